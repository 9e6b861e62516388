"""What the tools report back: sqlfluff's findings, dbt's node results and build runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LintViolation:
    """One sqlfluff finding."""

    path: str
    line: int
    column: int
    code: str
    description: str

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "description": self.description,
        }


@dataclass(frozen=True)
class LintReport:
    """The result of linting a set of files."""

    files: int
    violations: tuple[LintViolation, ...] = ()
    fixed: int = 0
    changed: tuple[str, ...] = ()
    """Files a fix rewrote (relative to the dbt project), in order."""


@dataclass(frozen=True)
class NodeResult:
    """One model or test from a dbt invocation."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    execution_time: float
    message: str = ""
    rows: int | None = None
    materialized: str = ""
    """How dbt stored it (table, view, materialized_view, dynamic_table...); "" for tests."""
    check: str = ""
    """A test's check in words (``customer_id is unique in fct_x``); "" for a model."""
    failures: int | None = None
    """Rows a test found failing."""
    query: str = ""
    """A failed test's query selecting the failing rows."""
    detail: str = ""
    """What a check found, in words (``37 of 200 rows empty (18.5%)``)."""

    @property
    def refreshed(self) -> bool:
        """A materialized view or dynamic table dbt refreshed rather than (re)created."""
        return self.message.upper().startswith(("REFRESH", "ALTER DYNAMIC TABLE"))


@dataclass(frozen=True)
class BuildReport:
    """The results of one dbt build invocation."""

    invocation_id: str
    nodes: tuple[NodeResult, ...]
    mart_rows: int | None = None
    freshness: tuple[NodeResult, ...] = ()
    """The upstream sources' freshness (reported; a stale one is not a build failure)."""

    @property
    def failures(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.status in {"error", "fail", "runtime error"})
