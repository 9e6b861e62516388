"""What the lint and build tabs show, read from those steps' records in a TicketView."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from martflow.core.models import StepRecord, StepState

FAILING = frozenset({"error", "fail", "runtime error"})
"""dbt statuses that fail a build (as ``BuildReport.failures`` counts them)."""
_MODEL_TYPES = ("model", "seed", "snapshot")
_DONE = (StepState.SUCCEEDED, StepState.FAILED)


@dataclass(frozen=True)
class Finding:
    """One sqlfluff violation as the lint tab lists it."""

    path: str
    line: int
    rule: str
    message: str


@dataclass(frozen=True)
class LintResults:
    """The lint step's last findings and a one-line summary."""

    findings: tuple[Finding, ...]
    summary: str


@dataclass(frozen=True)
class BuiltNode:
    """One model or test of the last build."""

    name: str
    type: str
    status: str
    seconds: float
    rows: int | None
    check: str = ""
    """A data check in words (``customer_id is unique in fct_x``); "" for a model."""
    result: str = ""
    """The check's result in words (``fail: 37 of 200 rows empty (18.5%)``)."""

    @property
    def failing(self) -> bool:
        return self.status in FAILING


@dataclass(frozen=True)
class BuildResults:
    """The build step's last nodes (models first, then tests) and a one-line summary."""

    nodes: tuple[BuiltNode, ...]
    summary: str


def lint_results(record: StepRecord | None) -> LintResults:
    """The lint tab's rows and summary, e.g. ``4 files clean, 2 fixed`` or ``3 violations``."""
    if record is None or record.state not in _DONE:
        return LintResults((), _waiting(record, "lint"))
    artifacts = record.artifacts
    if "violations" not in artifacts:  # the step failed before linting anything
        return LintResults((), record.detail)
    findings = tuple(_finding(f) for f in _dicts(artifacts.get("findings")))
    count = _int(artifacts.get("violations"))
    fixed = _int(artifacts.get("fixed"))
    fixed_text = f", {fixed} fixed" if fixed else ""
    if count == 0:
        return LintResults((), f"{_int(artifacts.get('files'))} files clean{fixed_text}")
    if "findings" not in artifacts:  # recorded by a martflow that did not keep them
        shown = " (run lint again to list them)"
    else:
        shown = f" (first {len(findings)} listed)" if len(findings) < count else ""
    plural = "violation" if count == 1 else "violations"
    files = len({f.path for f in findings})
    # Files with violations, as `martflow lint` says it (when every finding is listed).
    where = f" in {files} file{'s' if files != 1 else ''}" if len(findings) == count else ""
    return LintResults(findings, f"{count} {plural}{where}{fixed_text}{shown}")


def build_results(record: StepRecord | None) -> BuildResults:
    """The build tab's rows (models, then tests, in build order) and summary."""
    if record is None or record.state not in _DONE:
        return BuildResults((), _waiting(record, "build"))
    nodes = [_node(n) for n in _dicts(record.artifacts.get("nodes"))]
    nodes.sort(key=lambda n: n.type not in _MODEL_TYPES)  # stable: keeps dbt's order
    return BuildResults(tuple(nodes), record.detail)


def _waiting(record: StepRecord | None, step: str) -> str:
    if record is not None and record.state is StepState.RUNNING:
        return f"The {step} step is running…"
    if record is not None and record.state is StepState.SKIPPED:
        return f"The {step} step was skipped."
    return f"The {step} step has not run yet."


def _finding(raw: Mapping[str, object]) -> Finding:
    return Finding(
        path=str(raw.get("path", "")),
        line=_int(raw.get("line")),
        rule=str(raw.get("code", "")),
        message=str(raw.get("description", "")),
    )


def _node(raw: Mapping[str, object]) -> BuiltNode:
    rows = raw.get("rows")
    seconds = raw.get("seconds")
    return BuiltNode(
        name=str(raw.get("name", "")),
        type=str(raw.get("type", "")),
        status=str(raw.get("status", "")),
        seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
        rows=rows if isinstance(rows, int) else None,
        check=str(raw.get("check") or ""),
        result=str(raw.get("result") or ""),
    )


def _dicts(value: object) -> list[Mapping[str, object]]:
    # Artifacts come back from the ledger's JSON: trust nothing about their shape.
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def record_of(steps: Iterable[StepRecord], name: str) -> StepRecord | None:
    """The record of step ``name`` among a view's steps."""
    return next((record for record in steps if record.name == name), None)
