"""MemoryTracker keeps the tracker contract, and its fault injection does what it says."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from martflow.core.document import Document
from martflow.errors import RemoteUnavailableError, TicketNotFoundError
from tests.contract.tracker_contract import TrackerContract
from tests.fakes.memory_tracker import MemoryTracker


class TestMemoryTrackerContract(TrackerContract):
    @pytest.fixture
    def tracker(self) -> MemoryTracker:
        return MemoryTracker()


def dropped() -> RemoteUnavailableError:
    return RemoteUnavailableError("connection reset by peer", applied=None)


def test_fail_next_raises_then_recovers() -> None:
    tracker = MemoryTracker()
    key = tracker.create_ticket("ask").key
    refused = RemoteUnavailableError("connection refused", applied=False)
    tracker.fail_next("add_comment", 2, refused)

    for _ in range(2):
        with pytest.raises(RemoteUnavailableError) as caught:
            tracker.add_comment(key, Document.from_text("hello"), "op-1")
        assert caught.value is refused
    assert tracker.comments(key) == []
    assert tracker.posted_comments == 0

    comment_id = tracker.add_comment(key, Document.from_text("hello"), "op-1")
    assert tracker.find_comment(key, "op-1") == comment_id
    assert tracker.calls["add_comment"] == 3
    assert tracker.posted_comments == 1


def test_apply_first_lands_the_write_before_raising() -> None:
    tracker = MemoryTracker()
    key = tracker.create_ticket("ask").key
    tracker.fail_next("add_comment", 1, dropped(), apply_first=True)
    with pytest.raises(RemoteUnavailableError):
        tracker.add_comment(key, Document.from_text("applied then dropped"), "op-1")
    assert [c.body for c in tracker.comments(key)] == ["applied then dropped"]
    assert tracker.find_comment(key, "op-1") is not None
    assert tracker.posted_comments == 1


def test_apply_first_on_a_transition_moves_the_ticket() -> None:
    tracker = MemoryTracker()
    key = tracker.create_ticket("ask").key
    tracker.fail_next("transition", 1, dropped(), apply_first=True)
    with pytest.raises(RemoteUnavailableError):
        tracker.transition(key, "Done")
    assert tracker.get_ticket(key).status == "Done"
    assert tracker.transition(key, "Done") == "already"
    assert [(old, new) for old, new, _ in tracker.history(key)] == [("To Do", "Done")]


def test_faults_are_per_method() -> None:
    tracker = MemoryTracker()
    key = tracker.create_ticket("ask").key
    tracker.fail_next("find_comment", 1, dropped())
    assert tracker.get_ticket(key).key == key
    assert tracker.transition(key, "In Progress") == "moved"
    with pytest.raises(RemoteUnavailableError):
        tracker.find_comment(key, "op-1")
    assert tracker.find_comment(key, "op-1") is None


def test_a_later_fail_next_replaces_the_earlier_one() -> None:
    tracker = MemoryTracker()
    tracker.fail_next("statuses", 5, dropped())
    tracker.fail_next("statuses", 1, RemoteUnavailableError("throttled", applied=False))
    with pytest.raises(RemoteUnavailableError, match="throttled"):
        tracker.statuses()
    assert tracker.statuses()[0] == "To Do"


@pytest.mark.parametrize(
    ("method", "times", "message"),
    [("post_comment", 1, "not a Tracker method"), ("add_comment", 0, "at least 1")],
)
def test_fail_next_rejects_nonsense(method: str, times: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MemoryTracker().fail_next(method, times, dropped())


def test_raw_comments_post_every_time_like_a_plain_post() -> None:
    tracker = MemoryTracker(idempotent_comments=False)
    key = tracker.create_ticket("ask").key
    first = tracker.add_comment(key, Document.from_text("twice"), "op-1")
    second = tracker.add_comment(key, Document.from_text("twice"), "op-1")
    assert first != second
    assert tracker.posted_comments == 2
    # find_comment still finds the first, as a footer search on Jira would.
    assert tracker.find_comment(key, "op-1") == first


def test_unknown_key_counts_as_a_call() -> None:
    tracker = MemoryTracker()
    with pytest.raises(TicketNotFoundError):
        tracker.get_ticket("DEMO-9")
    assert tracker.calls["get_ticket"] == 1


def test_clock_is_injectable() -> None:
    fixed = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    tracker = MemoryTracker(clock=lambda: fixed)
    key = tracker.create_ticket("ask").key
    tracker.add_comment(key, Document.from_text("at noon"), "op-1")
    tracker.transition(key, "Done")
    assert tracker.comments(key)[0].created == fixed
    assert tracker.history(key)[0][2] == fixed


def test_threads_posting_distinct_ops_all_land() -> None:
    tracker = MemoryTracker()
    key = tracker.create_ticket("busy").key
    start = threading.Barrier(4, timeout=60)

    def post(worker: int) -> None:
        start.wait()
        for n in range(25):
            tracker.add_comment(key, Document.from_text(f"{worker}:{n}"), f"op-{worker}-{n}")

    threads = [threading.Thread(target=post, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tracker.posted_comments == 100
    assert len({c.id for c in tracker.comments(key)}) == 100
