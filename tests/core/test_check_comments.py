"""The build comment's data checks: each in words with its result, failing rows' queries."""

from __future__ import annotations

from martflow.core.document_text import render_text
from martflow.core.reports import BuildReport, NodeResult
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


STALE = NodeResult(
    "source.x.shop.orders",
    "shop.orders",
    "source",
    "error",
    0.1,
    check="shop.orders was synced within 24 hours (error after 48 hours)",
    detail="last synced 3 days ago",
    query="select max(_fivetran_synced) as last_synced from raw.orders",
)
"""A source whose last sync is past its error hours."""


def test_every_check_is_in_one_table_with_rates_and_stale_sources() -> None:
    report = BuildReport(
        "inv",
        (
            node("fct_x", "success", rows=200),
            node("martflow_not_empty_fct_x_", "pass", "fct_x has rows"),
            node(
                "martflow_null_rate_fct_x_email__0_05",
                "fail",
                "email is empty in at most 5% of the rows in fct_x",
                failures=37,
                detail="37 of 200 rows empty (18.5%)",
                query="select * from fct_x where email is null",
            ),
        ),
        freshness=(STALE,),
    )
    assert [n.name for n in report.failures] == ["martflow_null_rate_fct_x_email__0_05"]
    text = render_text(built(report, "1 model"))
    assert "Data checks: 1 of 3 passed." in text
    assert "| fct_x has rows | pass |" in text
    assert (
        "| email is empty in at most 5% of the rows in fct_x | "
        "**fail: 37 of 200 rows empty (18.5%)** |"
    ) in text
    assert (
        "| shop.orders was synced within 24 hours (error after 48 hours) | "
        "**error: last synced 3 days ago** |"
    ) in text
    assert "select max(_fivetran_synced) as last_synced from raw.orders" in text


def test_a_stale_source_is_in_the_summary_and_artifacts_but_does_not_fail_the_build() -> None:
    from martflow.core.workflow.outcomes import build_outcome

    stale = STALE
    report = BuildReport("inv", (node("fct_x", "success", rows=5),), 5, (stale,))
    outcome = build_outcome(report, "fct_x")
    assert outcome.ok
    assert outcome.detail.endswith("; fct_x has 5 rows; 0/1 sources fresh")
    listed = outcome.artifacts["nodes"]
    assert isinstance(listed, list)
    assert listed[-1]["check"] == stale.check
    assert listed[-1]["result"] == "error: last synced 3 days ago"
