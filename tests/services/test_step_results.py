"""Lint and build results as the tabs show them, from step records (no Textual)."""

from __future__ import annotations

from martflow.core.models import StepRecord, StepState
from martflow.services.step_results import (
    BuiltNode,
    Finding,
    LintResults,
    build_results,
    lint_results,
    record_of,
)

FINDING = {"path": "models/a.sql", "line": 3, "column": 1, "code": "CP01", "description": "Lower!"}


def lint(state: StepState, detail: str = "", **artifacts: object) -> StepRecord:
    return StepRecord("lint", state, detail=detail, artifacts=dict(artifacts))


def test_clean_lint_summarises_files_and_fixes() -> None:
    record = lint(StepState.SUCCEEDED, files=4, violations=0, fixed=2, findings=[])
    results = lint_results(record)
    assert results.findings == ()
    assert results.summary == "4 files clean, 2 fixed"


def test_violations_are_listed_with_file_line_rule_message() -> None:
    record = lint(StepState.FAILED, files=2, violations=3, fixed=0, findings=[FINDING] * 3)
    results = lint_results(record)
    assert results.summary == "3 violations in 1 file"
    assert results.findings[0] == Finding("models/a.sql", 3, "CP01", "Lower!")
    assert len(results.findings) == 3


def test_more_violations_than_kept_says_how_many_are_listed() -> None:
    record = lint(StepState.FAILED, files=2, violations=700, fixed=1, findings=[FINDING] * 500)
    assert lint_results(record).summary == "700 violations, 1 fixed (first 500 listed)"


def test_lint_that_never_linted_shows_the_step_detail() -> None:
    record = lint(StepState.FAILED, "nothing to lint: run the scaffold step first")
    assert lint_results(record) == LintResults((), "nothing to lint: run the scaffold step first")


def test_old_records_without_findings_ask_for_a_rerun() -> None:
    record = lint(StepState.FAILED, files=2, violations=1, fixed=0)
    assert lint_results(record).summary == "1 violation (run lint again to list them)"


def test_steps_not_run_or_running_say_so() -> None:
    assert lint_results(None).summary == "The lint step has not run yet."
    assert lint_results(lint(StepState.RUNNING)).summary == "The lint step is running…"
    assert build_results(None).nodes == ()


def test_build_lists_models_first_then_tests_keeping_dbt_order() -> None:
    nodes = [
        {"name": "stg_a", "type": "model", "status": "success", "seconds": 0.5, "rows": 10},
        {"name": "not_null_a", "type": "test", "status": "fail", "seconds": 0.1, "rows": None},
        {"name": "fct_a", "type": "model", "status": "error", "seconds": 1, "rows": None},
        {"name": "unique_a", "type": "test", "status": "pass", "seconds": 0.2},
    ]
    record = StepRecord("build", StepState.FAILED, detail="2 failed", artifacts={"nodes": nodes})
    results = build_results(record)
    assert [n.name for n in results.nodes] == ["stg_a", "fct_a", "not_null_a", "unique_a"]
    assert results.nodes[0] == BuiltNode("stg_a", "model", "success", 0.5, 10)
    assert [n.failing for n in results.nodes] == [False, True, True, False]
    assert results.nodes[1].seconds == 1.0
    assert results.summary == "2 failed"


def test_cancelled_build_shows_why_and_no_nodes() -> None:
    record = StepRecord("build", StepState.FAILED, detail="cancelled by the user")
    results = build_results(record)
    assert results.nodes == ()
    assert results.summary == "cancelled by the user"


def test_record_of_finds_a_step_by_name() -> None:
    steps = [StepRecord("start", StepState.SUCCEEDED), lint(StepState.PENDING)]
    assert record_of(steps, "lint") is steps[1]
    assert record_of(steps, "build") is None


def test_the_tab_the_step_and_the_cli_count_the_same_files() -> None:
    """7 violations in 1 file of 3 linted: the CLI, the step detail and the tab agree."""
    from martflow.core.lint_format import render
    from martflow.core.reports import LintReport, LintViolation
    from martflow.core.workflow.outcomes import lint_outcome

    violations = tuple(
        LintViolation("models/a.sql", line, 1, "CP01", "Lower!") for line in range(1, 8)
    )
    report = LintReport(files=3, violations=violations)
    outcome = lint_outcome(report)
    record = lint(StepState.FAILED, outcome.detail, **outcome.artifacts)
    assert "7 violations in 1 file" in render(report, "human")
    assert outcome.detail.startswith("7 violations in 1 file of 3;")
    assert lint_results(record).summary == "7 violations in 1 file"
