"""Every ticket, page by page: Cloud's ``/rest/api/3/search/jql`` and Data Center's ``/search``."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from martflow.integrations.tracker.jira import JiraTracker
from martflow.integrations.tracker.jira_search import offset_pages, token_pages
from tests.integrations.jira_server import FakeJira

TOKEN = "paging-token-4821"
USER = "pm@example.com"
TICKETS = 250


def seeded(server: FakeJira) -> list[str]:
    """250 tickets; returns their keys newest first (the default JQL's order)."""
    keys = [server.add_issue(f"Ask {n}") for n in range(TICKETS)]
    return keys[::-1]


@pytest.fixture
def cloud() -> Iterator[FakeJira]:
    with FakeJira(deployment="Cloud", user=USER, token=TOKEN) as server:
        yield server


@pytest.fixture
def dc() -> Iterator[FakeJira]:
    # Data Center caps maxResults (jira.search.views.default.max); 50 is below what we ask.
    with FakeJira(
        deployment="Server", user=USER, token=TOKEN, auth="bearer", search_page_cap=50
    ) as server:
        yield server


def test_cloud_follows_next_page_token_through_250_tickets(cloud: FakeJira) -> None:
    newest_first = seeded(cloud)
    tracker = JiraTracker(cloud.url, "DEMO", TOKEN, user=USER, timeout=5)
    assert [t.key for t in tracker.list_tickets()] == newest_first
    searches = cloud.requests_to("GET", "/search/jql", version="3")
    assert [r.query.get("nextPageToken") for r in searches] == [
        None,
        ["page-at-100"],
        ["page-at-200"],
    ]
    assert {r.query["maxResults"][0] for r in searches} == {"100"}
    assert all(r.query["fields"] == ["summary", "status"] for r in searches)
    assert cloud.requests_to("GET", "/search") == []


def test_data_center_follows_start_at_until_total_whatever_the_page_size(dc: FakeJira) -> None:
    newest_first = seeded(dc)
    tracker = JiraTracker(dc.url, "DEMO", TOKEN, auth="bearer", timeout=5)
    tickets = tracker.list_tickets()
    assert [t.key for t in tickets] == newest_first
    assert tickets[-1].summary == "Ask 0"
    searches = dc.requests_to("GET", "/search", version="2")
    assert [r.query["startAt"][0] for r in searches] == ["0", "50", "100", "150", "200"]
    assert dc.requests_to("GET", "/search/jql") == []


def test_the_first_page_arrives_before_the_rest_is_read(cloud: FakeJira) -> None:
    seeded(cloud)
    held = threading.Event()
    cloud.fail("GET", "/search/jql", after=1, gate=held)
    tracker = JiraTracker(cloud.url, "DEMO", TOKEN, user=USER, timeout=10)
    pages = tracker.ticket_pages()
    first = next(pages)
    assert len(first) == 100
    assert len(cloud.requests_to("GET", "/search/jql")) == 1  # the second is not even asked
    reader = threading.Thread(target=lambda: received.extend(pages))
    received: list[list] = []
    reader.start()
    reader.join(timeout=0.3)
    assert reader.is_alive() and received == []  # held at the server
    held.set()
    reader.join(timeout=10)
    assert [len(page) for page in received] == [100, 50]


def test_token_loop_stops_at_is_last_a_missing_or_repeated_token() -> None:
    pages = {
        None: {"issues": [{"key": "A-1"}], "nextPageToken": "t1", "isLast": False},
        "t1": {"issues": [{"key": "A-2"}], "nextPageToken": "t1"},
    }
    asked: list[str | None] = []

    def fetch(token: str | None) -> dict:
        asked.append(token)
        return pages[token]

    assert [p[0]["key"] for p in token_pages(fetch)] == ["A-1", "A-2"]
    assert asked == [None, "t1"]
    last = {"issues": [{"key": "B-1"}], "nextPageToken": "more", "isLast": True}
    assert list(token_pages(lambda _t: last)) == [[{"key": "B-1"}]]


def test_offset_loop_advances_by_what_came_back_and_stops_on_an_empty_page() -> None:
    issues = [{"key": f"A-{n}"} for n in range(7)]
    starts: list[int] = []

    def fetch(start: int) -> dict:
        starts.append(start)
        return {"issues": issues[start : start + 3]}  # no total: an old or odd server

    assert sum(len(p) for p in offset_pages(fetch)) == 7
    assert starts == [0, 3, 6, 7]
