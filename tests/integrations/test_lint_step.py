"""The lint step through the engine with real sqlfluff: findings in artifacts, the fix option."""

from __future__ import annotations

from pathlib import Path

import pytest

from martflow.core.models import StepState
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.settings import PipelineSettings
from martflow.core.workflow.steps import build_steps
from martflow.integrations.lint import SqlfluffLinter
from tests.fakes.memory_tracker import MemoryTracker
from tests.integrations.test_lint import CLEAN_MART, SQLFLUFF_CONFIG, write

KEY = "DEMO-1"
MODEL = "models/marts/fct_orders.sql"
DIRTY_MART = CLEAN_MART.replace("select", "SELECT", 1)


class LintServices:
    """Only what the lint step uses: settings and the real linter."""

    def __init__(self, root: Path, lint_fix: bool) -> None:
        self.settings = PipelineSettings(root=root, specs_dir=root / "specs", lint_fix=lint_fix)

    def linter(self) -> SqlfluffLinter:
        return SqlfluffLinter(self.settings.root)


def make_engine(tmp_path: Path, lint_fix: bool) -> tuple[Engine, Path]:
    """A project whose scaffold step wrote one model with an upper-case keyword."""
    root = tmp_path / "analytics"
    write(root, "dbt_project.yml", "name: analytics\nversion: '1.0'\nmodel-paths: ['models']\n")
    write(root, ".sqlfluff", SQLFLUFF_CONFIG)
    write(root, MODEL, DIRTY_MART)
    tracker = MemoryTracker()
    tracker.create_ticket("Customer orders")
    ledger = Ledger(tmp_path / "state.db")
    for step in ("start", "scaffold"):  # lint follows them
        ledger.mark_running(KEY, step)
        ledger.finish_step(KEY, step, StepState.SUCCEEDED, "done", {"files": [MODEL]})
    services = LintServices(root, lint_fix)
    return Engine(ledger, tracker, build_steps(services), lambda _step: None), root  # type: ignore[arg-type]


def test_findings_are_in_the_artifacts_and_fix_false_leaves_the_file(tmp_path: Path) -> None:
    engine, root = make_engine(tmp_path, lint_fix=True)

    report = engine.run(KEY, only=["lint"], options={"fix": False})

    record = engine.ledger.step(KEY, "lint")
    assert report.failed == "lint"
    assert record.artifacts["violations"] == 1
    assert record.artifacts["fixed"] == 0
    assert record.artifacts["findings"] == [
        {
            "path": MODEL,
            "line": 1,
            "column": 1,
            "code": "CP01",
            "description": "Keywords must be lower case.",
        }
    ]
    assert (root / MODEL).read_text() == DIRTY_MART


@pytest.mark.parametrize("option", [{"fix": True}, {}], ids=["option", "settings"])
def test_fix_option_overrides_the_setting(tmp_path: Path, option: dict[str, object]) -> None:
    engine, root = make_engine(tmp_path, lint_fix=not option)

    report = engine.run(KEY, only=["lint"], options=option)

    record = engine.ledger.step(KEY, "lint")
    assert report.failed is None, record.detail
    assert record.artifacts == {"files": 1, "violations": 0, "fixed": 1, "findings": []}
    assert record.detail == "1 files clean, 1 fixed"
    assert (root / MODEL).read_text() == CLEAN_MART
