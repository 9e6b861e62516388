"""JiraTracker over HTTP with the real ``jira`` client against the loopback Jira.

Every test asserts on what the server RECEIVED as well as on what the tracker returned.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from martflow.config import StatusesConfig, TrackerConfig
from martflow.context import jira_tracker
from martflow.core.document import Document, document, paragraph
from martflow.core.models import OutboxState, StepOutcome
from martflow.core.retry import RetryPolicy
from martflow.core.spec import extract_spec_text
from martflow.core.workflow.delivery import Delivery
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.ledger import Ledger
from martflow.errors import (
    AuthenticationError,
    ConfigError,
    RemoteRejectedError,
    RemoteUnavailableError,
    TicketNotFoundError,
    UsageError,
)
from martflow.integrations.tracker.jira import JiraTracker
from martflow.integrations.tracker.jira_errors import parse_retry_after
from martflow.secrets import SecretStore
from tests.integrations.jira_server import API, FakeJira, closed_port, load_json
from tests.recorded import EXT

TOKEN = "tok-Zq9-very-secret-value"
USER = "pm@example.com"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SPEC = "martflow:\n  sources: [shop.orders]\n  mart: orders\n  kind: fact\n  grain: [order_id]\n"


def said(text: str) -> Document:
    """A one-paragraph comment."""
    return document(paragraph(text))


def make_tracker(server: FakeJira, *, auth: str = "basic", timeout: float = 5, **kw) -> JiraTracker:
    return JiraTracker(
        server.url, "DEMO", TOKEN, user=USER, auth=auth, timeout=timeout, clock=lambda: NOW, **kw
    )  # type: ignore[arg-type]


@pytest.fixture
def cloud() -> Iterator[FakeJira]:
    with FakeJira(deployment="Cloud", user=USER, token=TOKEN, auth="basic") as server:
        yield server


@pytest.fixture
def dc() -> Iterator[FakeJira]:
    with FakeJira(deployment="Server", user=USER, token=TOKEN, auth="bearer") as server:
        yield server


@pytest.fixture
def tracker(cloud: FakeJira) -> Iterator[JiraTracker]:
    tracker = make_tracker(cloud, timeout=0.5)
    yield tracker
    tracker.close()


def test_recorded_responses_are_present() -> None:
    assert EXT.is_dir(), f"missing {EXT}: the Jira tests replay recordings from ../shared/ext"
    assert load_json("jira_ruby_mock_responses", "issue", "10002.json")["key"] == "SAMPLEPROJECT-1"


# -- authentication, endpoints, no library retries ----------------------------------------


def test_cloud_uses_basic_auth_and_the_search_jql_endpoint(cloud: FakeJira) -> None:
    tracker = make_tracker(cloud)
    key = cloud.add_issue("Revenue by month")
    assert [t.key for t in tracker.list_tickets()] == [key]
    expected = "Basic " + __import__("base64").b64encode(f"{USER}:{TOKEN}".encode()).decode()
    assert {
        r.headers["authorization"] for r in cloud.received if r.path != f"{API}/serverInfo"
    } == {expected}
    (search,) = cloud.requests_to("GET", "/search/jql", version="3")
    assert search.query["jql"] == ["project = DEMO ORDER BY created DESC"]
    assert cloud.requests_to("GET", "/search") == []


def test_data_center_uses_a_bearer_token_and_the_classic_search(dc: FakeJira) -> None:
    tracker = make_tracker(dc, auth="bearer")
    dc.add_issue("Churn")
    in_progress = dc.add_issue("Margin", status="In Progress")
    assert [t.key for t in tracker.list_tickets('project = DEMO AND status = "In Progress"')] == [
        in_progress
    ]
    (search,) = dc.requests_to("GET", "/search")
    assert search.query["jql"] == ['project = DEMO AND status = "In Progress"']
    assert search.headers["authorization"] == f"Bearer {TOKEN}"


def test_client_is_built_without_library_retries_and_with_the_timeout(tracker: JiraTracker) -> None:
    client = tracker.connection.client()
    assert client._session.max_retries == 0
    assert client._session.timeout == 0.5


def test_a_503_is_sent_once_the_library_does_not_retry(cloud: FakeJira) -> None:
    tracker = make_tracker(cloud)
    key = cloud.add_issue("ask")
    cloud.fail("POST", f"/issue/{key}/comment", status=503, headers={"Retry-After": "1"})
    with pytest.raises(RemoteUnavailableError):
        tracker.add_comment(key, said("Built."), "op-503")
    assert len(cloud.requests_to("POST", f"/issue/{key}/comment")) == 1
    assert cloud.comment_bodies(key) == []


def test_importing_the_module_does_not_import_jira() -> None:
    code = (
        "import sys, martflow.integrations.tracker.jira as m; "
        "print(json.dumps(['jira' in sys.modules, 'requests' in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == [False, False]


# -- from_config ----------------------------------------------------------------------------


def _config(**values: object) -> TrackerConfig:
    base: dict[str, object] = {"kind": "jira", "url": "https://x.atlassian.net", "user": USER}
    return TrackerConfig.model_validate({**base, **values})


def test_from_config_reads_the_token_from_the_environment_and_removes_it(
    monkeypatch: pytest.MonkeyPatch, cloud: FakeJira
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    config = _config(url=cloud.url, statuses=StatusesConfig(start="In Progress", publish="Done"))
    tracker = jira_tracker(config, SecretStore())
    assert "JIRA_API_TOKEN" not in os.environ
    assert tracker.wanted_statuses == ("In Progress", "In Review", "Done")
    cloud.add_issue("ask")
    assert len(tracker.list_tickets()) == 1


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"url": ""}, "[tracker] url"),
        ({"url": "ftp://jira"}, "[tracker] url"),
        ({"user": "", "auth": "basic"}, "[tracker] user"),
    ],
)
def test_from_config_names_the_missing_setting(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, object], named: str
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    with pytest.raises(ConfigError) as caught:
        jira_tracker(_config(**values), SecretStore())
    assert named in caught.value.message
    assert "\n" not in caught.value.message


def test_from_config_without_a_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIRA_API_TOKEN", raising=False)
    store = SecretStore()
    monkeypatch.setattr(store, "_from_keyring", lambda name: None)
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN"):
        jira_tracker(_config(auth="bearer", user=""), store)


# -- tickets and the spec -----------------------------------------------------------------


def test_wiki_code_block_description_yields_the_spec(dc: FakeJira) -> None:
    tracker = make_tracker(dc, auth="bearer")
    key = dc.add_issue(
        "Orders mart", description="Please build:\r\n{code:yaml}\n" + SPEC + "{code}"
    )
    ticket = tracker.get_ticket(key)
    assert "\r" not in ticket.description
    assert extract_spec_text(ticket.description) == SPEC


def test_adf_description_renders_code_blocks_as_fences(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    adf = load_json("jira_cloud_openapi", "examples", "addComment__201.json")["body"]
    adf["content"].append(
        {"type": "codeBlock", "attrs": {}, "content": [{"type": "text", "text": SPEC}]}
    )
    key = cloud.add_issue("Orders mart", description=adf)
    ticket = tracker.get_ticket(key)
    assert ticket.description.startswith("Lorem ipsum dolor sit amet")
    assert "```yaml\n" + SPEC in ticket.description
    assert extract_spec_text(ticket.description) == SPEC == extract_spec_text(adf)


def test_malformed_keys_never_reach_the_server(tracker: JiraTracker, cloud: FakeJira) -> None:
    for key in ("../../admin", "DEMO-1/comment", "demo", "DEMO-0"):
        with pytest.raises(TicketNotFoundError, match="no such ticket"):
            tracker.get_ticket(key)
    assert [r for r in cloud.received if "issue" in r.path] == []


def test_create_sends_project_type_and_text(tracker: JiraTracker, cloud: FakeJira) -> None:
    ticket = tracker.create_ticket("Net revenue", "Needs a mart.\nBy Friday.")
    (post,) = cloud.requests_to("POST", "/issue", version="3")
    paragraph_nodes = [
        {"type": "text", "text": "Needs a mart."},
        {"type": "hardBreak"},
        {"type": "text", "text": "By Friday."},
    ]
    assert post.body == {
        "fields": {
            "project": {"key": "DEMO"},
            "summary": "Net revenue",
            "issuetype": {"name": "Task"},
            "description": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": paragraph_nodes}],
            },
        }
    }
    assert (ticket.key, ticket.status) == ("DEMO-1", "To Do")
    assert ticket.description == "Needs a mart.\nBy Friday."
    with pytest.raises(UsageError, match="one line"):
        tracker.create_ticket("two\nlines")


def test_create_on_data_center_sends_wiki_text_through_v2(dc: FakeJira) -> None:
    tracker = make_tracker(dc, auth="bearer")
    tracker.create_ticket("Net revenue", "Needs a mart.")
    (post,) = dc.requests_to("POST", "/issue", version="2")
    assert post.body["fields"]["description"] == "Needs a mart."
    assert dc.requests_to("POST", "/issue", version="3") == []


# -- transitions by target status ---------------------------------------------------------


def test_transition_is_chosen_by_its_target_not_its_name(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    cloud.transitions["To Do"] = [
        ("31", "In Review", "Done"),  # a trap for name matching
        ("77", "Hand over", "In Review"),
    ]
    assert tracker.transition(key, "in review") == "moved"
    (post,) = cloud.requests_to("POST", f"/issue/{key}/transitions")
    assert post.body["transition"] == {"id": 77}
    assert cloud.status_of(key) == "In Review"


def test_transitions_are_read_fresh_each_time(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    cloud.transitions["To Do"] = []
    assert tracker.transition(key, "Done") == "unreachable"
    cloud.transitions["To Do"] = [("5", "Finish", "Done")]
    assert tracker.transition(key, "Done") == "moved"
    assert tracker.transition(key, "DONE") == "already"
    assert len(cloud.requests_to("GET", f"/issue/{key}/transitions")) == 2


def test_a_refused_transition_reports_jiras_errors(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    body = load_json("jira_ruby_mock_responses", "issue", "10002.invalid.put.json")
    cloud.fail("POST", f"/issue/{key}/transitions", status=400, body=body)
    with pytest.raises(RemoteRejectedError) as caught:
        tracker.transition(key, "Done")
    assert type(caught.value) is RemoteRejectedError
    assert caught.value.status == 400
    assert "invalid: Field 'invalid' is not valid for this operation." in caught.value.message


# -- comments ---------------------------------------------------------------------------------


def test_comment_is_posted_once_with_its_op_id_as_a_property(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    first = tracker.add_comment(key, said("Scaffolded 4 models."), "run1-start-7f3c")
    again = tracker.add_comment(key, said("Scaffolded 4 models."), "run1-start-7f3c")
    assert again == first
    (post,) = cloud.requests_to("POST", f"/issue/{key}/comment", version="3")
    assert post.body == {
        "body": {
            "type": "doc",
            "version": 1,
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "Scaffolded 4 models."}]}
            ],
        },
        "properties": [{"key": "martflow", "value": {"op": "run1-start-7f3c"}}],
    }
    assert "martflow-op" not in json.dumps(post.body["body"])
    reads = cloud.requests_to("GET", f"/issue/{key}/comment", version="3")
    assert reads and all(r.query["expand"] == ["properties"] for r in reads)


def test_find_comment_reads_every_page(cloud: FakeJira) -> None:
    cloud.comment_page_cap = 2
    tracker = make_tracker(cloud)
    key = cloud.add_issue("ask")
    ids = [tracker.add_comment(key, said(f"Step {n}."), f"op-{n}") for n in range(5)]
    assert tracker.find_comment(key, "op-4") == ids[4]
    assert tracker.find_comment(key, "op-never") is None
    starts = [r.query["startAt"][0] for r in cloud.requests_to("GET", f"/issue/{key}/comment")]
    assert starts[-4:] == ["0", "2", "4", "5"]
    assert [c.id for c in tracker.get_ticket(key).comments] == ids


def test_a_server_that_ignores_expand_is_asked_per_comment(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    other = cloud.add_comment_raw(key, "A PM's question.", [])
    mine = tracker.add_comment(key, said("Built."), "op-mine")
    cloud.expands_comment_properties = False
    assert tracker.find_comment(key, "op-mine") == mine
    asked = [
        r.path.rsplit("/", 3)[-3]
        for r in cloud.requests_to("GET", "/comment/.*/properties/martflow")
    ]
    assert asked == [other, mine]


def test_comments_posted_by_earlier_versions_are_recognised_by_their_footer(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    legacy = cloud.add_comment_raw(key, "Lint clean: 4 files.\n\nmartflow-op: 5b1e0c2a", [])
    assert tracker.find_comment(key, "5b1e0c2a") == legacy
    assert tracker.add_comment(key, said("Lint clean: 4 files."), "5b1e0c2a") == legacy
    assert cloud.requests_to("POST", f"/issue/{key}/comment") == []


def test_only_the_last_line_is_an_old_footer(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    quoted = "Quoting the PM:\nmartflow-op: op-forged\nend of quote"
    tracker.add_comment(key, document(paragraph(quoted)), "op-real")
    assert tracker.find_comment(key, "op-forged") is None
    assert tracker.find_comment(key, "op-real") is not None


def test_bad_op_ids_and_empty_bodies_are_refused(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    with pytest.raises(UsageError):
        tracker.add_comment(key, said("text"), "two words")
    with pytest.raises(UsageError, match=key):
        tracker.add_comment(key, said("  \n"), "op-1")
    assert cloud.requests_to("POST", f"/issue/{key}/comment") == []


def test_remote_link_is_added_once(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    url = "https://tableau.example.com/#/workbooks/42"
    first = tracker.add_remote_link(key, url, "Customer lifetime value")
    assert tracker.add_remote_link(key, url, "Customer lifetime value") == first
    (post,) = cloud.requests_to("POST", f"/issue/{key}/remotelink")
    assert post.body == {"object": {"url": url, "title": "Customer lifetime value"}}


# -- errors, normalized -------------------------------------------------------------------------


def test_429_with_retry_after_in_seconds(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    cloud.fail("POST", f"/issue/{key}/comment", status=429, headers={"Retry-After": "7"}, body={})
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.add_comment(key, said("hi"), "op-429")
    error = caught.value
    assert (error.status, error.retry_after, error.applied) == (429, 7.0, False)


def test_429_with_retry_after_as_an_http_date(tracker: JiraTracker, cloud: FakeJira) -> None:
    cloud.fail(
        "GET",
        "/search/jql",
        status=429,
        headers={"Retry-After": format_datetime(NOW + timedelta(seconds=90), usegmt=True)},
    )
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.list_tickets()
    assert caught.value.retry_after == 90.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_500_on_a_post_may_have_applied_on_a_get_not(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    cloud.fail("POST", f"/issue/{key}/comment", status=500, body={"errorMessages": ["Internal"]})
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.add_comment(key, said("hi"), "op-500")
    assert (caught.value.status, caught.value.applied) == (500, None)
    assert "Internal" in caught.value.message
    cloud.fail("GET", f"/issue/{key}", status=500, body={})
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.get_ticket(key)
    assert caught.value.applied is False


def test_a_slow_server_times_out(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    cloud.fail("GET", f"/issue/{key}", delay=1.5)
    with pytest.raises(RemoteUnavailableError, match="did not answer in time"):
        tracker.get_ticket(key)


def test_a_timed_out_post_is_ambiguous(tracker: JiraTracker, cloud: FakeJira) -> None:
    key = cloud.add_issue("ask")
    cloud.fail("POST", f"/issue/{key}/comment", delay=1.5, apply_first=True)
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.add_comment(key, said("hi"), "op-slow")
    assert caught.value.applied is None


def test_connection_refused_certainly_did_not_apply() -> None:
    tracker = JiraTracker(f"http://127.0.0.1:{closed_port()}", "DEMO", TOKEN, user=USER, timeout=2)
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.add_comment("DEMO-1", said("hi"), "op-refused")
    assert caught.value.applied is False
    assert "connection refused" in caught.value.message


def test_a_dropped_connection_after_a_post_is_ambiguous(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    cloud.fail("POST", f"/issue/{key}/comment", drop=True, apply_first=True)
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker.add_comment(key, said("hi"), "op-drop")
    assert caught.value.applied is None
    assert len(cloud.comment_bodies(key)) == 1
    assert tracker.add_comment(key, said("hi"), "op-drop") == tracker.find_comment(key, "op-drop")
    assert len(cloud.comment_bodies(key)) == 1


def test_rejected_credentials_name_the_variable_and_never_the_token(
    cloud: FakeJira, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tracker = make_tracker(cloud)
    cloud.fail("GET", "/search/jql", status=401, body={"errorMessages": [f"no {TOKEN}"]})
    with pytest.raises(AuthenticationError) as caught:
        tracker.list_tickets()
    message = caught.value.message
    assert "JIRA_API_TOKEN" in message
    assert USER in message
    assert "\n" not in message
    wrong = JiraTracker(cloud.url, "DEMO", "wrong-token-value", user=USER, timeout=5)
    with pytest.raises(AuthenticationError):
        wrong.list_tickets()
    for text in (message, str(caught.value), repr(caught.value), caplog.text):
        assert TOKEN not in text
        assert "wrong-token-value" not in text


def test_data_center_auth_error_asks_for_a_personal_access_token(dc: FakeJira) -> None:
    tracker = JiraTracker(dc.url, "DEMO", "expired-pat", auth="bearer", timeout=5)
    with pytest.raises(
        AuthenticationError, match="JIRA_API_TOKEN to a Data Center personal access"
    ):
        tracker.statuses()
    assert dc.requests_to("GET", "/project/DEMO/statuses")[0].headers["authorization"] == (
        "Bearer expired-pat"
    )


def test_bad_jql_and_unknown_project_are_rejected_with_jiras_words(
    tracker: JiraTracker, cloud: FakeJira
) -> None:
    with pytest.raises(RemoteRejectedError, match="Error in the JQL Query"):
        tracker.list_tickets("summary ~ oops")
    other = JiraTracker(cloud.url, "NOPE", TOKEN, user=USER, timeout=5)
    with pytest.raises(RemoteRejectedError, match="No project could be found with key 'NOPE'"):
        other.statuses()


# -- doctor ------------------------------------------------------------------------------------


def test_doctor_all_good(cloud: FakeJira) -> None:
    tracker = make_tracker(cloud, wanted_statuses=["In Progress", "Done"])
    lines = tracker.doctor()
    assert [(name, ok) for name, ok, _ in lines] == [
        ("jira reachable", True),
        ("jira authentication", True),
        ("jira project", True),
        ("jira statuses", True),
    ]
    assert "Mia Krystof" in lines[1][2]  # from the recorded Cloud getCurrentUser payload
    assert cloud.requests_to("GET", "/myself")


def test_doctor_names_statuses_missing_from_the_workflow(cloud: FakeJira) -> None:
    tracker = make_tracker(cloud, wanted_statuses=["In Progress", "Shipped"])
    name, ok, detail = tracker.doctor()[-1]
    assert (name, ok) == ("jira statuses", False)
    assert "Shipped" in detail
    assert "In Progress," not in detail.split("(it has")[0]


def test_doctor_stops_at_bad_credentials(cloud: FakeJira) -> None:
    tracker = JiraTracker(cloud.url, "DEMO", "bad-token", user=USER, timeout=5)
    lines = tracker.doctor()
    assert [ok for _, ok, _ in lines] == [True, False, None, None]
    assert "JIRA_API_TOKEN" in lines[1][2]
    assert lines[2][2] == "jira authentication failed"


def test_doctor_reports_an_unreachable_server() -> None:
    tracker = JiraTracker(f"http://127.0.0.1:{closed_port()}", "DEMO", TOKEN, user=USER, timeout=2)
    lines = tracker.doctor()
    assert lines[0][:2] == ("jira reachable", False)
    assert "connection refused" in lines[0][2]


# -- through the real Engine and Delivery: none lost, none duplicated ---------------------------


class Sleeps(list):
    """A RetryPolicy sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _engine(tmp_path: Path, tracker: JiraTracker, sleeps: Sleeps) -> Engine:
    def start(context) -> StepOutcome:
        return StepOutcome(ok=True, detail="branch made", comment=said("Started work on a branch."))

    return Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        {"start": start},
        {"start": "In Progress"}.get,
        policy=RetryPolicy(sleep=sleeps),
    )


def _martflow_comments(server: FakeJira, key: str) -> list[Any]:
    """Bodies of the comments carrying martflow's op-id property."""
    pairs = zip(server.comment_bodies(key), server.comment_properties(key), strict=True)
    return [body for body, props in pairs if any(p["key"] == "martflow" for p in props)]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"drop": True, "apply_first": True}, id="applied-then-dropped"),
        pytest.param({"delay": 1.5, "apply_first": True}, id="applied-then-timed-out"),
        pytest.param({"status": 502, "apply_first": True, "body": {}}, id="applied-then-502"),
        pytest.param({"status": 500, "body": {}}, id="500-not-applied"),
        pytest.param({"status": 429, "headers": {"Retry-After": "3"}, "body": {}}, id="429"),
    ],
)
def test_engine_delivers_each_update_exactly_once(
    tmp_path: Path, tracker: JiraTracker, cloud: FakeJira, fault: dict
) -> None:
    key = cloud.add_issue("Customer lifetime value")
    cloud.fail("POST", f"/issue/{key}/comment", **fault)
    sleeps = Sleeps()
    engine = _engine(tmp_path, tracker, sleeps)
    report = engine.run(key, only=["start"])
    assert report.failed is None
    assert not report.queued
    (body,) = _martflow_comments(cloud, key)
    assert body["content"][0]["content"][0]["text"] == "Started work on a branch."
    assert cloud.status_of(key) == "In Progress"
    assert {e.state for e in engine.ledger.outbox(key)} == {OutboxState.CONFIRMED}
    if "429" in str(fault.get("status")):
        assert sleeps == [3.0]


def test_refused_delivery_stays_queued_then_lands_once(
    tmp_path: Path, tracker: JiraTracker, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    ledger = Ledger(tmp_path / "state.db")
    ledger.enqueue(key, "start", "comment", key, said("Lint clean: 4 files.").to_payload())
    down = JiraTracker(f"http://127.0.0.1:{closed_port()}", "DEMO", TOKEN, user=USER, timeout=2)
    report = Delivery(ledger, down, RetryPolicy(sleep=Sleeps())).deliver(key)
    assert report.queued == 1
    assert "connection refused" in report.unreachable
    (entry,) = ledger.outbox(key, open_only=True)
    assert entry.attempts >= 1
    again = Delivery(ledger, tracker, RetryPolicy(sleep=Sleeps())).deliver(key)
    assert again.delivered == 1
    assert len(_martflow_comments(cloud, key)) == 1
    assert ledger.outbox(key, open_only=True) == []
    assert Delivery(ledger, tracker, RetryPolicy(sleep=Sleeps())).deliver(key).delivered == 0
    assert len(cloud.requests_to("POST", f"/issue/{key}/comment")) == 1


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(None, id="clean"),
        pytest.param({"drop": True, "apply_first": True}, id="applied-then-dropped"),
        pytest.param({"status": 503, "headers": {"Retry-After": "2"}, "body": {}}, id="503"),
    ],
)
def test_publish_links_the_workbook_once(
    tmp_path: Path, tracker: JiraTracker, cloud: FakeJira, fault: dict | None
) -> None:
    key = cloud.add_issue("Customer lifetime value")
    url = "https://tableau.example.com/#/site/analytics/workbooks/42"
    if fault:
        cloud.fail("POST", f"/issue/{key}/remotelink", **fault)

    def publish(context) -> StepOutcome:
        return StepOutcome(
            ok=True,
            detail="published",
            comment=said(f"Published: {url}"),
            link=(url, "Dashboard: clv"),
        )

    engine = Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        {"publish": publish},
        {"publish": "Done"}.get,
        policy=RetryPolicy(sleep=Sleeps()),
    )
    assert engine.run(key, only=["publish"], force=True).failed is None
    engine.run(key, only=["publish"], force=True)  # a re-run converges on the same link
    links = cloud.requests_to("GET", f"/issue/{key}/remotelink")
    posts = cloud.requests_to("POST", f"/issue/{key}/remotelink")
    assert links, "the tracker looks for an existing link before posting"
    assert posts[-1].body == {"object": {"url": url, "title": "Dashboard: clv"}}
    assert cloud.link_urls(key) == [url]
    assert all(e.state is OutboxState.CONFIRMED for e in engine.ledger.outbox(key))
