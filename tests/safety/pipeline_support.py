"""The start, scaffold and commit steps over a real git repository and the real scaffolder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from martflow.core.models import ColumnInfo, ColumnProfile, SourceRef, TableInfo
from martflow.core.project import ProjectIndex, Relation
from martflow.core.secret_scan import SecretScanner
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.settings import PipelineSettings
from martflow.core.workflow.steps import build_steps
from martflow.integrations.git import GitRepository
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.fakes.memory_tracker import MemoryTracker
from tests.safety.git_support import make_work_repo
from tests.scaffold.scaffold_support import DEMO_COLUMNS
from tests.scaffold_tools import TOOLS

KEY = "DEMO-1"
SPEC = """Products for the catalogue team.
```yaml
martflow:
  sources: [shop.products]
  mart: products
  kind: dimension
  grain: [products.product_id]
  dimensions: [products.product_name]
```
"""


class ListedWarehouse:
    """The Warehouse port over fixed columns (the scaffold's warehouse columns)."""

    def columns(self, tables: Sequence[SourceRef]) -> dict[SourceRef, list[ColumnInfo]]:
        return {table: DEMO_COLUMNS[table] for table in tables}

    def tables(self) -> list[TableInfo]:
        return []

    def relation_columns(
        self, relations: Sequence[Relation]
    ) -> list[tuple[ColumnInfo, ...] | None]:
        by_table = {ref.table: tuple(columns) for ref, columns in DEMO_COLUMNS.items()}
        return [by_table.get(relation.identifier) for relation in relations]

    def profile(
        self, tables: Sequence[tuple[Relation, Sequence[str]]]
    ) -> list[dict[str, ColumnProfile]]:
        return [{} for _ in tables]  # fixed columns, no rows: nothing to clean


class NewProject:
    """The DbtRunner port's parse of a dbt project that declares nothing yet."""

    def project_index(self) -> ProjectIndex:
        return ProjectIndex("shop")


class Services:
    """What start, scaffold and commit use, built on real parts."""

    def __init__(self, root: Path, scanner: SecretScanner) -> None:
        self.settings = PipelineSettings(root=root, specs_dir=root / "specs")
        self.scanner = scanner

    def repository(self) -> GitRepository:
        return GitRepository(self.settings.root, scanner=self.scanner)

    def warehouse(self) -> ListedWarehouse:
        return ListedWarehouse()

    def dbt(self) -> NewProject:
        return NewProject()

    def scaffolder(self) -> ProjectScaffolder:
        root = self.settings.root
        return ProjectScaffolder(root, state_dir=root / ".martflow", **TOOLS)


def pipeline(
    tmp_path: Path, summary: str, scanner: SecretScanner, description: str = SPEC
) -> tuple[Engine, MemoryTracker, Path]:
    """A repository with a dbt project, a ticket, and an engine over both."""
    root = make_work_repo(
        tmp_path / "work", {".gitignore": ".martflow/\n", "dbt_project.yml": "name: shop\n"}
    )
    tracker = MemoryTracker()
    tracker.create_ticket(summary, description)
    ledger = Ledger(tmp_path / "state.db")
    steps = build_steps(Services(root, scanner))  # type: ignore[arg-type]
    engine = Engine(ledger, tracker, steps, lambda _step: None, scanner=scanner)
    return engine, tracker, root
