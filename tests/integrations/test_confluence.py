"""Data dictionary pages against a loopback Confluence: the requests it received, and faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from pytest_httpserver import HTTPServer

from martflow.core.dictionary import DataDictionary, DictionaryColumn, DictionaryPage, LineageEntry
from martflow.core.dictionary_render import to_storage
from martflow.core.models import OutboxState
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.delivery import Delivery
from martflow.core.workflow.ledger import Ledger
from martflow.errors import AuthenticationError, RemoteRejectedError, RemoteUnavailableError
from martflow.integrations.confluence import PROPERTY, ConfluencePages
from tests.fakes.memory_tracker import MemoryTracker

from .confluence_server import PARENT, SPACE, ConfluenceLoopback, Fault

TOKEN = "confluence-s3cret-token-value"


class LinkingTracker(MemoryTracker):
    """A tracker with remote links, one per url (as the Jira adapter keeps them)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, list[tuple[str, str]]] = {}

    def add_remote_link(self, key: str, url: str, title: str) -> str:
        links = self.links.setdefault(key, [])
        if all(u != url for u, _ in links):
            links.append((url, title))
        return str([u for u, _ in links].index(url) + 1)


@pytest.fixture
def confluence(httpserver: HTTPServer) -> ConfluenceLoopback:
    return ConfluenceLoopback(httpserver)


def pages_for(
    confluence: ConfluenceLoopback, *, timeout: float = 5.0, user: str = ""
) -> ConfluencePages:
    return ConfluencePages(confluence.url, SPACE, TOKEN, user=user, parent=PARENT, timeout=timeout)


def dictionary(purpose: str = "Customer lifetime value", description: str = "") -> DataDictionary:
    return DataDictionary(
        model="fct_customer_orders",
        ticket_key="DEMO-1",
        purpose=purpose,
        relation="main.fct_customer_orders",
        grain=("customers.customer_id",),
        columns=(
            DictionaryColumn("customer_id", "INTEGER", "The customer", ("not_null", "unique")),
            DictionaryColumn("lifetime_value", "DECIMAL(18,2)", description),
        ),
        lineage=(
            LineageEntry("fct_customer_orders", "model", "main.fct_customer_orders", ("int_x",)),
            LineageEntry("shop.orders", "source", "raw.orders"),
        ),
        ticket_url="https://jira.example.com/browse/DEMO-1",
    )


def page_of(doc: DataDictionary) -> DictionaryPage:
    return DictionaryPage.of(doc, to_storage(doc))


def test_creates_the_page_once_with_its_property_in_the_same_post(confluence):
    publisher = pages_for(confluence)
    page = page_of(dictionary())

    created = publisher.publish_page(page)

    assert created.action == "created"
    assert confluence.writes() == [("POST", "/rest/api/content")]
    sent = confluence.requests[-1][2]
    assert sent["title"] == "Data dictionary: fct_customer_orders"
    assert sent["space"] == {"key": SPACE} and sent["ancestors"] == [{"id": PARENT}]
    assert sent["body"]["storage"] == {"value": page.body, "representation": "storage"}
    marker = sent["metadata"]["properties"][PROPERTY]["value"]
    assert marker == {"model": "fct_customer_orders", "ticket": "DEMO-1", "hash": page.content_hash}
    assert created.url == f"{confluence.url}/spaces/{SPACE}/pages/{created.page_id}"
    stored = confluence.pages[created.page_id]
    assert stored.properties[PROPERTY]["value"]["hash"] == page.content_hash


def test_the_same_content_again_writes_nothing_though_confluence_rewrote_the_body(confluence):
    publisher = pages_for(confluence)
    page = page_of(dictionary())
    first = publisher.publish_page(page)
    stored = confluence.pages[first.page_id]
    assert stored.body != page.body  # storage format is rewritten on save

    again = pages_for(confluence).publish_page(page)  # a new process: nothing remembered

    assert (again.action, again.page_id) == ("unchanged", first.page_id)
    assert confluence.writes() == [("POST", "/rest/api/content")]
    assert stored.version == 1
    assert len(confluence.dictionaries()) == 1


def test_changed_content_updates_in_place_as_the_next_version(confluence):
    publisher = pages_for(confluence)
    first = publisher.publish_page(page_of(dictionary()))
    changed = page_of(dictionary(description="Sum of paid orders, in dollars"))

    updated = publisher.publish_page(changed)

    assert (updated.action, updated.page_id) == ("updated", first.page_id)
    page_id = first.page_id
    assert confluence.writes() == [
        ("POST", "/rest/api/content"),
        ("PUT", f"/rest/api/content/{page_id}"),
        ("PUT", f"/rest/api/content/{page_id}/property/{PROPERTY}"),
    ]
    put = confluence.requests[-2][2]
    assert put["version"]["number"] == 2 and "Sum of paid orders" in put["body"]["storage"]["value"]
    assert confluence.pages[page_id].properties[PROPERTY]["value"]["hash"] == changed.content_hash
    assert publisher.publish_page(changed).action == "unchanged"
    assert confluence.pages[page_id].version == 2 and len(confluence.dictionaries()) == 1


def test_a_renamed_page_is_found_by_its_property_not_its_title(confluence):
    publisher = pages_for(confluence)
    first = publisher.publish_page(page_of(dictionary()))
    confluence.pages[first.page_id].title = "Customer orders (renamed by the PM)"

    changed = publisher.publish_page(page_of(dictionary(description="new")))

    assert (changed.action, changed.page_id) == ("updated", first.page_id)
    assert len(confluence.dictionaries()) == 1
    assert ("GET", f"/rest/api/content/{PARENT}/child/page") in [
        (m, p) for m, p, _ in confluence.requests
    ]


def test_a_page_with_the_title_but_not_the_property_is_left_alone(confluence):
    theirs = confluence.add_page("Data dictionary: fct_customer_orders", other={"x": 1})

    with pytest.raises(RemoteRejectedError, match="martflow did not create"):
        pages_for(confluence).publish_page(page_of(dictionary()))

    assert confluence.writes() == []
    assert confluence.pages[theirs.id].body == "<p>theirs</p>"


def test_an_ambiguous_create_is_found_again_and_not_repeated(tmp_path, confluence):
    """The POST landed but the answer was a 503: the retry finds the page by its property."""
    confluence.faults.append(Fault("POST", "/rest/api/content", 503, apply_first=True))
    ledger, tracker = Ledger(tmp_path / "state.db"), LinkingTracker()
    tracker.create_ticket("Customer lifetime value")
    page = page_of(dictionary())
    ledger.enqueue("DEMO-1", "document", "page", "confluence", page.to_payload())
    waits: list[float] = []
    delivery = Delivery(
        ledger,
        tracker,
        RetryPolicy(sleep=waits.append),
        pages=lambda: pages_for(confluence),
    )

    report = delivery.deliver("DEMO-1")

    assert report.delivered == 1 and not report.unreachable
    assert len(confluence.dictionaries()) == 1
    assert confluence.writes() == [("POST", "/rest/api/content")]
    (page_id,) = [p.id for p in confluence.dictionaries()]
    (row,) = ledger.outbox("DEMO-1")
    assert (row.state, row.remote_id) == (OutboxState.CONFIRMED, page_id)
    url = f"{confluence.url}/spaces/{SPACE}/pages/{page_id}"
    assert tracker.links["DEMO-1"] == [(url, "Data dictionary: fct_customer_orders")]

    # Published again (a re-run of the document step): no new page, no new link.
    ledger.enqueue("DEMO-1", "document", "page", "confluence", page.to_payload())
    assert delivery.deliver("DEMO-1").delivered == 1
    assert confluence.writes() == [("POST", "/rest/api/content")]
    assert len(tracker.links["DEMO-1"]) == 1


def test_a_timed_out_create_is_reconciled_before_anything_is_resent(confluence):
    confluence.faults.append(Fault("POST", "/rest/api/content", delay=2.5))
    publisher = pages_for(confluence, timeout=1)
    page = page_of(dictionary())

    with pytest.raises(RemoteUnavailableError) as timed_out:
        publisher.publish_page(page)
    assert timed_out.value.applied is None  # it may have landed

    assert RetryPolicy(sleep=lambda _s: None).read(lambda: publisher.publish_page(page)).action == (
        "unchanged"
    )
    assert confluence.writes() == [("POST", "/rest/api/content")]
    assert len(confluence.dictionaries()) == 1


def test_429_and_503_are_retried_honouring_retry_after(confluence):
    confluence.faults += [
        Fault("POST", "/rest/api/content", 429, {"Retry-After": "7"}),
        Fault("GET", "/rest/api/content", 503),
    ]
    waits: list[float] = []
    publisher = pages_for(confluence)

    published = RetryPolicy(sleep=waits.append).read(
        lambda: publisher.publish_page(page_of(dictionary()))
    )

    assert published.action == "created" and len(confluence.dictionaries()) == 1
    assert len(waits) == 2 and waits[1] == 7.0  # the 503 backs off; the 429 says how long
    assert [w for w in confluence.writes() if w[0] == "POST"] == [
        ("POST", "/rest/api/content"),
        ("POST", "/rest/api/content"),
    ]  # the 429 was not applied: sent again


def test_a_rate_limit_that_outlasts_the_policy_stays_queued(tmp_path, confluence):
    confluence.faults += [Fault("GET", "/rest/api/content", 429, {"Retry-After": "3600"})]
    ledger = Ledger(tmp_path / "state.db")
    ledger.enqueue("DEMO-1", "document", "page", "confluence", page_of(dictionary()).to_payload())
    tracker = LinkingTracker()
    tracker.create_ticket("x")

    report = Delivery(
        ledger, tracker, RetryPolicy(sleep=lambda _s: None), pages=lambda: pages_for(confluence)
    ).deliver("DEMO-1")

    assert report.queued == 1 and "rate limiting" in report.unreachable
    assert ledger.outbox("DEMO-1", open_only=True)[0].state is OutboxState.PENDING
    assert confluence.dictionaries() == []


def test_bad_credentials_name_the_variable_and_never_the_token(confluence, httpserver):
    confluence.faults.append(Fault("GET", "/rest/api/content", 401))
    with pytest.raises(AuthenticationError) as refused:
        pages_for(confluence, user="me@example.com").publish_page(page_of(dictionary()))
    assert "CONFLUENCE_API_TOKEN" in refused.value.message
    assert TOKEN not in refused.value.message
    header = httpserver.log[-1][0].headers["Authorization"]
    assert header.startswith("Basic ")


def test_a_personal_access_token_is_sent_as_bearer(confluence, httpserver):
    assert pages_for(confluence).check() == "Data team"
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert [p for _m, p, _b in confluence.requests] == [
        f"/rest/api/space/{SPACE}",
        f"/rest/api/content/{PARENT}",
    ]


def test_hostile_ticket_text_is_inert_in_the_storage_body(confluence):
    hostile = (
        'Revenue</p><ac:structured-macro ac:name="html"><ac:plain-text-body>'
        "<![CDATA[<script>alert(1)</script>]]></ac:plain-text-body></ac:structured-macro>"
        "\x1b[31m & more"
    )
    page = page_of(dictionary(purpose=hostile, description="<b>bold</b> & {{ env_var('X') }}"))

    created = pages_for(confluence).publish_page(page)

    body = confluence.requests[-1][2]["body"]["storage"]["value"]
    assert "<ac:" not in body and "<script" not in body and "<b>" not in body
    assert "&lt;ac:structured-macro" in body and "\x1b" not in body
    # Well-formed XHTML whose only text carries the summary as written.
    root = ET.fromstring(f"<root>{body}</root>")
    text = "".join(root.itertext())
    assert "Revenue</p><ac:structured-macro" in text and "\\x1b[31m & more" in text
    assert created.action == "created"


def test_the_page_is_linked_from_the_jira_ticket_once(tmp_path, confluence):
    from tests.integrations.jira_server import FakeJira
    from tests.integrations.test_jira import TOKEN as JIRA_TOKEN
    from tests.integrations.test_jira import USER, make_tracker

    with FakeJira(deployment="Cloud", user=USER, token=JIRA_TOKEN, auth="basic") as jira:
        key = jira.add_issue("Customer lifetime value")
        tracker = make_tracker(jira)
        ledger = Ledger(tmp_path / "state.db")
        delivery = Delivery(
            ledger, tracker, RetryPolicy(sleep=lambda _s: None), pages=lambda: pages_for(confluence)
        )
        page = page_of(dictionary())
        for _ in range(2):  # the document step run twice
            ledger.enqueue(key, "document", "page", "confluence", page.to_payload())
            assert delivery.deliver(key).delivered == 1

        (page_id,) = [p.id for p in confluence.dictionaries()]
        assert jira.link_urls(key) == [f"{confluence.url}/spaces/{SPACE}/pages/{page_id}"]
        assert len(jira.requests_to("POST", f"/issue/{key}/remotelink")) == 1
        tracker.close()
