"""The behaviour every Tracker must show; subclass ``TrackerContract`` to run it on one.

A subclass named ``Test...`` provides the ``tracker`` fixture and may override the
helpers: ``make_ticket`` (create or pick a ticket to work on), ``expected_statuses``,
``unknown_key``, ``comment_body_matches`` (for trackers that add an op-id footer) and
``clock_is_live`` (False when responses are replayed and timestamps are old).
Op ids and texts are deterministic so replayed recordings can match them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from martflow.core.document import Document
from martflow.core.models import Comment, Ticket
from martflow.core.ports import Tracker
from martflow.errors import TicketNotFoundError

UNTRUSTED_TEXT = "Robert'); drop table tickets;-- {{ env_var('X') }} % _ \\ ünïcødé ✓"


class TrackerContract:
    """The contract test body; not collected itself (its name does not start with Test)."""

    expected_statuses: tuple[str, ...] = ("To Do", "In Progress", "In Review", "Done")
    clock_is_live: bool = True

    @pytest.fixture
    def tracker(self) -> Tracker:
        raise NotImplementedError("a TrackerContract subclass must provide a tracker fixture")

    # -- helpers a subclass may override -----------------------------------------------

    def make_ticket(
        self, tracker: Tracker, summary: str = "Customer lifetime value", description: str = ""
    ) -> Ticket:
        """A ticket in the first status of the workflow to run a test on."""
        return tracker.create_ticket(summary, description)

    def unknown_key(self) -> str:
        return "NOPE-999999"

    def comment_body_matches(self, stored: str, given: str) -> bool:
        """``stored`` (the comment read back as text) shows exactly ``given``."""
        return stored == given

    def comment_with_id(self, tracker: Tracker, key: str, comment_id: str) -> Comment:
        matches = [c for c in tracker.get_ticket(key).comments if c.id == comment_id]
        assert len(matches) == 1, f"expected one comment {comment_id} on {key}, got {matches}"
        return matches[0]

    # -- the contract ------------------------------------------------------------------

    def test_is_a_tracker(self, tracker: Tracker) -> None:
        assert isinstance(tracker, Tracker)

    def test_statuses_are_the_workflow_in_order(self, tracker: Tracker) -> None:
        assert tracker.statuses() == list(self.expected_statuses)

    def test_new_ticket_starts_in_first_status(self, tracker: Tracker) -> None:
        ticket = tracker.create_ticket("Orders by region", "Needs a mart.")
        assert ticket.key
        assert ticket.status == self.expected_statuses[0]
        assert ticket.summary == "Orders by region"

    def test_get_returns_what_was_created(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker, "Churn dashboard", "Line one.\nLine two.")
        fetched = tracker.get_ticket(ticket.key)
        assert fetched.key == ticket.key
        assert fetched.summary == "Churn dashboard"
        assert fetched.description == "Line one.\nLine two."
        assert fetched.status == self.expected_statuses[0]
        assert fetched.comments == ()

    def test_untrusted_text_round_trips_exactly(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker, UNTRUSTED_TEXT, UNTRUSTED_TEXT + "\n```yaml\na: 1\n```")
        fetched = tracker.get_ticket(ticket.key)
        assert fetched.summary == UNTRUSTED_TEXT
        assert fetched.description == UNTRUSTED_TEXT + "\n```yaml\na: 1\n```"
        comment_id = tracker.add_comment(
            ticket.key, Document.from_text(UNTRUSTED_TEXT), "contract-untrusted"
        )
        stored = self.comment_with_id(tracker, ticket.key, comment_id)
        assert self.comment_body_matches(stored.body, UNTRUSTED_TEXT)

    def test_list_has_new_tickets_newest_first(self, tracker: Tracker) -> None:
        first = self.make_ticket(tracker, "First ask")
        second = self.make_ticket(tracker, "Second ask")
        keys = [t.key for t in tracker.list_tickets()]
        assert first.key in keys
        assert second.key in keys
        assert keys.index(second.key) < keys.index(first.key)
        listed = next(t for t in tracker.list_tickets() if t.key == second.key)
        assert (listed.summary, listed.status) == ("Second ask", self.expected_statuses[0])

    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(lambda t, k: t.get_ticket(k), id="get_ticket"),
            pytest.param(lambda t, k: t.transition(k, "Done"), id="transition"),
            pytest.param(
                lambda t, k: t.add_comment(k, Document.from_text("hello"), "contract-op-x"),
                id="add_comment",
            ),
            pytest.param(lambda t, k: t.find_comment(k, "contract-op-x"), id="find_comment"),
        ],
    )
    def test_unknown_key_raises_ticket_not_found(self, tracker: Tracker, call) -> None:
        key = self.unknown_key()
        with pytest.raises(TicketNotFoundError) as caught:
            call(tracker, key)
        assert caught.value.key == key
        assert key in str(caught.value)

    def test_pages_hold_every_listed_ticket_once_in_order(self, tracker: Tracker) -> None:
        for n in range(3):
            self.make_ticket(tracker, f"Ask {n}")
        paged = [t.key for page in tracker.ticket_pages() for t in page]
        assert paged == [t.key for t in tracker.list_tickets()]
        assert len(paged) == len(set(paged)) >= 3

    def test_transition_moves_then_is_already_there(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        target = self.expected_statuses[1]
        assert tracker.transition(ticket.key, target) == "moved"
        assert tracker.get_ticket(ticket.key).status == target
        assert tracker.transition(ticket.key, target) == "already"
        assert tracker.get_ticket(ticket.key).status == target

    def test_transition_matches_status_case_insensitively(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        target = self.expected_statuses[1]
        assert tracker.transition(ticket.key, target.upper()) == "moved"
        assert tracker.get_ticket(ticket.key).status == target
        assert tracker.transition(ticket.key, target.lower()) == "already"

    def test_transition_to_unknown_status_is_unreachable(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        assert tracker.transition(ticket.key, "Shipped To The Moon") == "unreachable"
        assert tracker.get_ticket(ticket.key).status == self.expected_statuses[0]

    def test_comment_round_trip_with_timestamp(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        before = datetime.now(UTC)
        comment_id = tracker.add_comment(
            ticket.key, Document.from_text("Scaffolded 4 models."), "contract-op-1"
        )
        after = datetime.now(UTC)
        assert isinstance(comment_id, str)
        assert comment_id
        comment = self.comment_with_id(tracker, ticket.key, comment_id)
        assert self.comment_body_matches(comment.body, "Scaffolded 4 models.")
        assert comment.created.utcoffset() is not None, "comment timestamps must be tz-aware"
        if self.clock_is_live:
            # Storage may round to the millisecond; a second of slack is not a timing test.
            assert before - timedelta(seconds=1) <= comment.created <= after + timedelta(seconds=1)

    def test_comments_come_oldest_first(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        ids = [
            tracker.add_comment(
                ticket.key, Document.from_text(f"Step {n} done."), f"contract-order-{n}"
            )
            for n in range(3)
        ]
        assert len(set(ids)) == 3
        assert [c.id for c in tracker.get_ticket(ticket.key).comments] == ids

    def test_same_op_id_posts_one_comment(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        first = tracker.add_comment(
            ticket.key, Document.from_text("Lint clean."), "contract-op-dup"
        )
        second = tracker.add_comment(
            ticket.key, Document.from_text("Lint clean."), "contract-op-dup"
        )
        assert second == first
        comments = tracker.get_ticket(ticket.key).comments
        assert [c.id for c in comments] == [first]

    def test_find_comment_by_op_id(self, tracker: Tracker) -> None:
        ticket = self.make_ticket(tracker)
        assert tracker.find_comment(ticket.key, "contract-op-find") is None
        comment_id = tracker.add_comment(
            ticket.key, Document.from_text("Built 6 nodes."), "contract-op-find"
        )
        tracker.add_comment(ticket.key, Document.from_text("Another."), "contract-op-other")
        assert tracker.find_comment(ticket.key, "contract-op-find") == comment_id
        assert tracker.find_comment(ticket.key, "contract-op-never-posted") is None
