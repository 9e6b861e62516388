"""Comments as PMs see them, delivered exactly once through the outbox, on Cloud and DC.

Cloud gets REST v3 with ADF, Data Center v2 with wiki text; the op id rides in the
same POST as a comment property and reconciliation finds it there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from martflow.core.document import document, paragraph
from martflow.core.models import OutboxState, StepOutcome
from martflow.core.reports import BuildReport, NodeResult
from martflow.core.retry import RetryPolicy
from martflow.core.workflow import comments
from martflow.core.workflow.delivery import Delivery
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.ledger import Ledger
from martflow.integrations.tracker.jira import JiraTracker
from tests.integrations.jira_recorded import adf_problems
from tests.integrations.jira_server import FakeJira

TOKEN = "comments-token-77"
USER = "pm@example.com"
REPORT = BuildReport(
    "inv-1",
    (
        NodeResult("model.shop.fct_orders", "fct_orders", "model", "success", 1.5),
        NodeResult("test.shop.not_null", "not_null_fct_orders_id", "test", "pass", 0.1),
    ),
)


@pytest.fixture(params=["Cloud", "Server"])
def server(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    auth = "basic" if request.param == "Cloud" else "bearer"
    with FakeJira(deployment=request.param, user=USER, token=TOKEN, auth=auth) as jira:
        yield jira


@pytest.fixture
def tracker(server: FakeJira) -> Iterator[JiraTracker]:
    auth = "basic" if server.cloud else "bearer"
    tracker = JiraTracker(server.url, "DEMO", TOKEN, user=USER, auth=auth, timeout=0.5)  # type: ignore[arg-type]
    yield tracker
    tracker.close()


def no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def build_engine(tmp_path: Path, tracker: JiraTracker) -> Engine:
    def build(_context: object) -> StepOutcome:
        return StepOutcome(ok=True, detail="built", comment=comments.built(REPORT, "1 model"))

    return Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        {"build": build},
        lambda _step: None,
        policy=RetryPolicy(sleep=no_sleep),
    )


def martflow_posts(server: FakeJira, key: str) -> list[Any]:
    return server.requests_to("POST", f"/issue/{key}/comment")


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"drop": True, "apply_first": True}, id="applied-then-dropped"),
        pytest.param({"delay": 1.0, "apply_first": True}, id="applied-then-timed-out"),
        pytest.param({"status": 502, "apply_first": True, "body": {}}, id="applied-then-502"),
    ],
)
def test_an_ambiguous_post_is_reconciled_by_its_property_not_resent(
    tmp_path: Path, tracker: JiraTracker, server: FakeJira, fault: dict
) -> None:
    key = server.add_issue("Customer lifetime value")
    server.fail("POST", f"/issue/{key}/comment", **fault)
    engine = build_engine(tmp_path, tracker)
    report = engine.run(key, only=["build"], force=True)
    assert report.failed is None and not report.queued
    (post,) = martflow_posts(server, key)  # one POST: the reconcile found it
    (entry,) = engine.ledger.outbox(key)
    assert entry.state is OutboxState.CONFIRMED
    assert post.body["properties"] == [{"key": "martflow", "value": {"op": entry.op_id}}]
    reads = server.requests_to("GET", f"/issue/{key}/comment")
    assert reads and all(r.query["expand"] == ["properties"] for r in reads)
    assert server.comment_properties(key) == [post.body["properties"]]
    version = "3" if server.cloud else "2"
    assert post.path == f"/rest/api/{version}/issue/{key}/comment"


def test_the_build_comment_is_adf_on_cloud_and_wiki_on_data_center(
    tmp_path: Path, tracker: JiraTracker, server: FakeJira
) -> None:
    key = server.add_issue("Customer lifetime value")
    build_engine(tmp_path, tracker).run(key, only=["build"], force=True)
    (body,) = server.comment_bodies(key)
    if server.cloud:
        assert adf_problems(body) == []
        table = next(n for n in body["content"] if n["type"] == "table")
        first_cell = table["content"][1]["content"][0]["content"][0]["content"][0]
        assert first_cell == {"type": "text", "text": "fct_orders", "marks": [{"type": "code"}]}
    else:
        assert isinstance(body, str)
        assert "||node||type||status||seconds||" in body
        assert "|{{fct\\_orders}}|model|success|1.50|" in body
    text = tracker.get_ticket(key).comments[0].body
    assert "martflow-op" not in text
    assert text.startswith(("martflow build passed", "martflow build *passed*"))


def test_rows_queued_by_an_older_version_are_still_delivered(
    tmp_path: Path, tracker: JiraTracker, server: FakeJira
) -> None:
    key = server.add_issue("ask")
    ledger = Ledger(tmp_path / "state.db")
    ledger.enqueue(key, "lint", "comment", key, "martflow linted 4 models with sqlfluff: clean.")
    report = Delivery(ledger, tracker, RetryPolicy(sleep=no_sleep)).deliver(key)
    assert report.delivered == 1
    (body,) = server.comment_bodies(key)
    if server.cloud:
        assert body["content"] == [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "martflow linted 4 models with sqlfluff: clean."}
                ],
            }
        ]
    else:
        assert body == "martflow linted 4 models with sqlfluff: clean."


def test_an_in_flight_row_of_an_older_version_finds_its_footer_comment(
    tmp_path: Path, tracker: JiraTracker, server: FakeJira
) -> None:
    key = server.add_issue("ask")
    ledger = Ledger(tmp_path / "state.db")
    op_id = ledger.enqueue(key, "start", "comment", key, "martflow started work.")
    ledger.mark_in_flight(op_id)  # the older version crashed after posting
    posted = server.add_comment_raw(key, f"martflow started work.\n\nmartflow-op: {op_id}", [])
    assert Delivery(ledger, tracker, RetryPolicy(sleep=no_sleep)).deliver(key).delivered == 1
    assert martflow_posts(server, key) == []
    (entry,) = ledger.outbox(key)
    assert (entry.state, entry.remote_id) == (OutboxState.CONFIRMED, posted)


def test_a_comment_is_posted_whole_or_not_at_all(tracker: JiraTracker, server: FakeJira) -> None:
    key = server.add_issue("ask")
    body = document(paragraph("one"), paragraph("two"))
    tracker.add_comment(key, body, "op-whole")
    (post,) = martflow_posts(server, key)
    assert set(post.body) == {"body", "properties"}


def test_a_secret_anywhere_in_a_comment_document_is_never_sent(
    tmp_path: Path, tracker: JiraTracker, server: FakeJira
) -> None:
    key = server.add_issue("ask")
    token = "ghp_" + "a1B2c3D4e5" * 4
    leaky = document(paragraph("Built.")) + comments.built(
        BuildReport("inv", (NodeResult("m", token, "model", "success", 1.0),)), "1"
    )
    ledger = Ledger(tmp_path / "state.db")
    ledger.enqueue(key, "build", "comment", key, leaky.to_payload())
    report = Delivery(ledger, tracker, RetryPolicy(sleep=no_sleep)).deliver(key)
    assert report.failed == 1
    assert "GitHub token" in report.errors[0] and token not in report.errors[0]
    assert martflow_posts(server, key) == []


CHECKED = BuildReport(
    "inv-2",
    (
        NodeResult("model.shop.fct_orders", "fct_orders", "model", "success", 1.5, rows=200),
        NodeResult(
            "test.shop.not_empty",
            "martflow_not_empty_fct_orders_",
            "test",
            "pass",
            0.1,
            check="fct_orders has rows",
            failures=0,
        ),
        NodeResult(
            "test.shop.null_rate",
            "martflow_null_rate_fct_orders_email__0_1",
            "test",
            "fail",
            0.1,
            check="email is empty in at most 10% of the rows in fct_orders",
            failures=37,
            detail="37 of 200 rows empty (18.5%)",
            query="select unfilled.* from fct_orders as unfilled where unfilled.email is null",
        ),
    ),
    freshness=(
        NodeResult(
            "source.shop.shop.orders",
            "shop.orders",
            "source",
            "error",
            0.05,
            check="shop.orders was synced within 24 hours (error after 48 hours)",
            detail="last synced 3 days ago",
            query="select max(_fivetran_synced) as last_synced from raw.orders",
        ),
    ),
)


def test_the_check_table_reaches_jira_with_results_counts_and_queries(
    tmp_path: Path, tracker: JiraTracker, server: FakeJira
) -> None:
    key = server.add_issue("Customer lifetime value")

    def build(_context: object) -> StepOutcome:
        return StepOutcome(ok=False, detail="1 failed", comment=comments.built(CHECKED, "x"))

    Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        {"build": build},
        lambda _step: None,
        policy=RetryPolicy(sleep=no_sleep),
    ).run(key, only=["build"], force=True)
    (body,) = server.comment_bodies(key)
    if server.cloud:
        assert adf_problems(body) == []
        tables = [n for n in body["content"] if n["type"] == "table"]
        checks = tables[1]  # after the nodes' table

        def cell_text(cell: dict[str, Any]) -> str:
            return "".join(t["text"] for p in cell["content"] for t in p["content"])

        rows = [[cell_text(c) for c in row["content"]] for row in checks["content"]]
        assert rows == [
            ["check", "result"],
            ["fct_orders has rows", "pass"],
            [
                "email is empty in at most 10% of the rows in fct_orders",
                "fail: 37 of 200 rows empty (18.5%)",
            ],
            [
                "shop.orders was synced within 24 hours (error after 48 hours)",
                "error: last synced 3 days ago",
            ],
        ]
        verdict = checks["content"][2]["content"][1]["content"][0]["content"][0]
        assert verdict["marks"] == [{"type": "strong"}]
        queries = [n for n in body["content"] if n["type"] == "codeBlock"]
        assert [q["attrs"]["language"] for q in queries] == ["sql", "sql"]
        assert "unfilled.email is null" in queries[0]["content"][0]["text"]
    else:
        assert "||check||result||" in body
        assert "|fct\\_orders has rows|pass|" in body
        assert "*fail: 37 of 200 rows empty (18.5%)*" in body
        assert "*error: last synced 3 days ago*" in body
        assert "{code:sql}" in body and "select max(_fivetran_synced)" in body
