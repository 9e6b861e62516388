"""The build comment's data checks: each in words with its result, failing rows' queries."""

from __future__ import annotations

from martflow.core.document_text import render_text
from martflow.core.models import BuildReport, NodeResult
from martflow.core.workflow.comments import built


def node(name: str, status: str, check: str = "", **extra: object) -> NodeResult:
    kind = "test" if check else "model"
    return NodeResult(f"{kind}.x.{name}", name, kind, status, 0.1, check=check, **extra)


def test_checks_are_listed_in_words_and_a_failure_shows_its_count_and_query() -> None:
    report = BuildReport(
        "inv",
        (
            node("fct_x", "success"),
            node("unique_fct_x_id", "pass", "id is unique in fct_x"),
            node(
                "not_null_fct_x_name",
                "fail",
                "name is never empty in fct_x",
                failures=3,
                query="select * from fct_x where name is null",
            ),
        ),
    )
    text = render_text(built(report, "1 model"))
    assert "Data checks:" in text
    assert "id is unique in fct_x" in text and "pass" in text
    assert "name is never empty in fct_x" in text and "fail: 3 rows" in text
    assert "The rows failing 'name is never empty in fct_x':" in text
    assert "select * from fct_x where name is null" in text


def test_a_build_without_tests_has_no_checks_table() -> None:
    text = render_text(built(BuildReport("inv", (node("fct_x", "success"),)), "1 model"))
    assert "Data checks" not in text
