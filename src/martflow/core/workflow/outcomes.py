"""A step's outcome from a lint or build report: detail line, artifacts and ticket comment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from martflow.core.document import Document, PartLike, code, document, paragraph
from martflow.core.models import StepOutcome
from martflow.core.reports import BuildReport, LintReport, NodeResult
from martflow.core.workflow import comments

MAX_LISTED = 5
MAX_FINDINGS = 500
"""Lint findings kept in the step's artifacts (the ledger is not a log)."""


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def lint_outcome(report: LintReport) -> StepOutcome:
    count = len(report.violations)
    fixed = f", {report.fixed} fixed" if report.fixed else ""
    artifacts: dict[str, object] = {
        "files": report.files,
        "violations": count,
        "fixed": report.fixed,
        "findings": [v.to_json() for v in report.violations[:MAX_FINDINGS]],
    }
    if count == 0:
        return StepOutcome(
            ok=True,
            detail=f"{report.files} files clean{fixed}",
            artifacts=artifacts,
            comment=comments.lint_clean(report.files, report.fixed),
        )
    first = report.violations[0]
    by_file = {v.path for v in report.violations}
    return StepOutcome(
        ok=False,
        # Files with violations, as `martflow lint` counts them (not every linted file).
        detail=f"{_counted(count, 'violation')} in {_counted(len(by_file), 'file')} of "
        f"{report.files}{fixed}; first: "
        f"{first.path}:{first.line}:{first.column} {first.code} {first.description}",
        artifacts=artifacts,
        comment=comments.lint_failed(report.violations, MAX_LISTED),
    )


def build_outcome(
    report: BuildReport, mart: str, scaffolded: Mapping[str, object] | None = None
) -> StepOutcome:
    models = [n for n in report.nodes if n.resource_type in {"model", "seed", "snapshot"}]
    tests = [n for n in report.nodes if n.resource_type == "test"]
    passed = [t for t in tests if t.status == "pass"]
    failures = report.failures
    rows = f"; {mart} has {report.mart_rows:,} rows" if report.mart_rows is not None else ""
    rows += _stored_as(report, mart)
    summary = f"{len(models)} models built, {len(passed)}/{len(tests)} tests passed{rows}"
    if report.freshness:
        fresh = sum(1 for n in report.freshness if n.status == "pass")
        summary += f"; {fresh}/{len(report.freshness)} sources fresh"
    artifacts: dict[str, object] = {
        "invocation_id": report.invocation_id,
        "nodes": [
            {
                "name": n.name,
                "type": n.resource_type,
                "status": n.status,
                "seconds": n.execution_time,
                "rows": n.rows,
                "message": n.message,
                **({"check": n.check, "result": comments.verdict(n)} if n.check else {}),
            }
            for n in (*report.nodes, *report.freshness)
        ],
        "mart_rows": report.mart_rows,
    }
    if failures:
        names = ", ".join(n.name for n in failures[:MAX_LISTED])
        fanout = fanout_note(failures, mart, scaffolded or {})
        why = f"; {fanout}" if fanout else ""
        return StepOutcome(
            ok=False,
            detail=f"{len(failures)} failed: {names}{why}",
            artifacts=artifacts,
            comment=_with_note(comments.built(report, summary), fanout),
        )
    return StepOutcome(
        ok=True,
        detail=summary,
        artifacts=artifacts,
        comment=comments.built(report, summary),
    )


_LIVE_KINDS = {"materialized_view": "materialized view", "dynamic_table": "dynamic table"}


def _stored_as(report: BuildReport, mart: str) -> str:
    """`` (materialized view refreshed)`` when the mart is one the warehouse keeps current."""
    node = next((n for n in report.nodes if n.name == mart and n.status == "success"), None)
    if node is None or node.materialized not in _LIVE_KINDS:
        return ""
    return f" ({_LIVE_KINDS[node.materialized]} {'refreshed' if node.refreshed else 'created'})"


def selects_from(models: Sequence[str]) -> Document:
    """A paragraph naming the existing models a ticket's models select from (or nothing)."""
    if not models:
        return document()
    names: list[PartLike] = []
    for index, model in enumerate(models):
        names.extend([", " if index else "", code(model)])
    return document(paragraph("It selects from the existing ", *names, "."))


def _with_note(comment: Document, note: str) -> Document:
    """``comment`` with ``note`` as a paragraph right after its first one."""
    if not note:
        return comment
    head, *rest = comment.blocks
    return Document((head, paragraph(f"{note[0].upper()}{note[1:]}."), *rest))


def fanout_note(failures: Sequence[NodeResult], mart: str, scaffolded: Mapping[str, object]) -> str:
    """Why the grain's unique test failed, naming the joins that can repeat rows; or ""."""
    grain = scaffolded.get("grain")
    grain = grain if isinstance(grain, dict) else {}
    tests = [str(t) for t in grain.get("tests", [])]
    failed = next((n.name for n in failures if any(_same_test(n.name, t) for t in tests)), None)
    if failed is None:
        return ""
    suspects = [str(j) for j in grain.get("fanout", [])]
    if suspects:
        joins = "; ".join(suspects)
        blame = (
            f"the join to {joins} matches more than one row per grain value "
            "(take those dimensions from a table at the grain, or aggregate them as measures)"
        )
    else:
        blame = f"its input {scaffolded.get('base') or 'the grain table'} repeats grain values"
    return (
        f"fan-out at the grain: {failed} failed, so {mart} has several rows per grain "
        f"value: {blame}"
    )


def _same_test(name: str, expected: str) -> bool:
    # dbt shortens a generic test name of 64+ characters to its first 30 and a hash.
    return name == expected or (len(expected) >= 64 and name.startswith(expected[:30]))
