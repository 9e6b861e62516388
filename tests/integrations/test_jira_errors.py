"""Errors that say what to do: CAPTCHA, permission refusals, HTML pages instead of JSON."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from martflow.core.document import document, paragraph
from martflow.core.models import OutboxState
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.delivery import Delivery
from martflow.core.workflow.ledger import Ledger
from martflow.errors import (
    AuthenticationError,
    NotAnApiAnswerError,
    PermissionDeniedError,
    RemoteUnavailableError,
)
from martflow.integrations.tracker.jira import JiraTracker
from tests.integrations.jira_server import LOGIN_PAGE, FakeJira

TOKEN = "errors-token-31337"
USER = "pm@example.com"
HTML = {"Content-Type": "text/html;charset=UTF-8"}


@pytest.fixture
def cloud() -> Iterator[FakeJira]:
    with FakeJira(deployment="Cloud", user=USER, token=TOKEN) as server:
        yield server


@pytest.fixture
def dc() -> Iterator[FakeJira]:
    with FakeJira(deployment="Server", user=USER, token=TOKEN) as server:
        yield server


def tracker_for(server: FakeJira) -> JiraTracker:
    return JiraTracker(server.url, "DEMO", TOKEN, user=USER, timeout=5)


def test_a_captcha_asks_for_one_browser_login_at_the_named_url(dc: FakeJira) -> None:
    key = dc.add_issue("ask")
    login = dc.captcha("GET", f"/issue/{key}")
    with pytest.raises(AuthenticationError) as caught:
        tracker_for(dc).get_ticket(key)
    message = caught.value.message
    assert f"log in once in a browser at {login}" in message
    assert "CAPTCHA" in message
    assert "\n" not in message
    assert "<html" not in message


def test_a_captcha_while_connecting_is_reported_the_same_way(dc: FakeJira) -> None:
    login = dc.captcha("GET", "/serverInfo")
    with pytest.raises(AuthenticationError, match=f"browser at {login}"):
        tracker_for(dc).list_tickets()


def test_a_permission_refusal_gives_jiras_reason_and_the_refused_action(
    tmp_path: Path, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    refusal = {"errorMessages": ["You do not have permission to add comments to this issue."]}
    cloud.fail("POST", f"/issue/{key}/comment", status=403, body=refusal)
    with pytest.raises(PermissionDeniedError) as caught:
        tracker_for(cloud).add_comment(key, document(paragraph("Built.")), "op-1")
    assert caught.value.message == (
        f"Jira refused to post a comment on {key} (HTTP 403): "
        "You do not have permission to add comments to this issue."
    )

    ledger = Ledger(tmp_path / "state.db")
    ledger.enqueue(key, "build", "comment", key, document(paragraph("Built.")).to_payload())
    cloud.fail("POST", f"/issue/{key}/comment", status=403, body=refusal)
    report = Delivery(ledger, tracker_for(cloud), RetryPolicy(sleep=lambda _s: None)).deliver(key)
    assert report.failed == 1
    assert "You do not have permission to add comments" in report.errors[0]
    (entry,) = ledger.outbox(key)
    assert entry.state is OutboxState.FAILED


def test_a_bare_403_says_it_may_be_permission_or_token(cloud: FakeJira) -> None:
    cloud.fail("GET", "/project/DEMO/statuses", status=403, body="")
    with pytest.raises(PermissionDeniedError, match=r"without a reason.*JIRA_API_TOKEN"):
        tracker_for(cloud).statuses()


def test_a_login_page_instead_of_json_names_the_url_and_title_never_the_page(
    cloud: FakeJira, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cloud.fail("GET", "/search/jql", status=200, body=LOGIN_PAGE, headers=HTML)
    with pytest.raises(NotAnApiAnswerError) as caught:
        tracker_for(cloud).list_tickets()
    message = caught.value.message
    assert message.startswith(
        f"{cloud.url}/rest/api/3/search/jql answered with an HTML page titled 'Log in - Acme Jira'"
    )
    assert "check [tracker] url" in message
    assert "\n" not in message
    for text in (message, caplog.text):
        assert "os_username" not in text and "<form" not in text


def test_a_redirect_to_a_login_page_names_both_urls_and_is_not_followed(cloud: FakeJira) -> None:
    cloud.fail("GET", "/serverInfo", status=302, headers={"Location": "/login.jsp?next=x"}, body="")
    with pytest.raises(NotAnApiAnswerError) as caught:
        tracker_for(cloud).list_tickets()
    assert caught.value.message.startswith(
        f"{cloud.url}/rest/api/2/serverInfo redirected to {cloud.url}/login.jsp instead of "
        "answering: sign in to Jira in a browser"
    )
    assert not [r for r in cloud.received if r.path == "/login.jsp"]


def test_a_proxy_error_page_is_transient_and_named_by_url_and_title(cloud: FakeJira) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    cloud.fail("GET", "/search/jql", status=502, body=page, headers=HTML)
    with pytest.raises(RemoteUnavailableError) as caught:
        tracker_for(cloud).list_tickets()
    assert caught.value.message == (
        "Jira failed with HTTP 502 to search tickets with the JQL query: "
        f"{cloud.url}/rest/api/3/search/jql answered with an HTML page titled '502 Bad Gateway'"
    )


def test_a_login_page_leaves_queued_updates_open_and_sync_delivers_later(
    tmp_path: Path, cloud: FakeJira
) -> None:
    key = cloud.add_issue("ask")
    ledger = Ledger(tmp_path / "state.db")
    ledger.enqueue(key, "build", "comment", key, document(paragraph("Built.")).to_payload())
    cloud.fail("GET", f"/issue/{key}/comment", status=200, body=LOGIN_PAGE, headers=HTML)
    delivery = Delivery(ledger, tracker_for(cloud), RetryPolicy(sleep=lambda _s: None))
    with pytest.raises(NotAnApiAnswerError):
        delivery.deliver(key)
    (entry,) = ledger.outbox(key, open_only=True)
    assert entry.last_error == ""
    assert delivery.deliver(key).delivered == 1
    assert len(cloud.comment_bodies(key)) == 1
