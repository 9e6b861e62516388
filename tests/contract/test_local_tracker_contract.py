"""The tracker contract on the SQLite LocalTracker, plus what only the local one promises."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from martflow.core.document import Document
from martflow.errors import TicketNotFoundError, UsageError
from martflow.integrations.tracker.local import LocalTracker
from tests.contract.tracker_contract import TrackerContract


class TestLocalTrackerContract(TrackerContract):
    @pytest.fixture
    def tracker(self, tmp_path: Path) -> LocalTracker:
        return LocalTracker(tmp_path / ".martflow" / "tracker.db")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project" / ".martflow" / "tracker.db"


@pytest.fixture
def tracker(db_path: Path) -> LocalTracker:
    return LocalTracker(db_path)


def test_creates_parent_dirs_and_uses_wal(db_path: Path, tracker: LocalTracker) -> None:
    assert db_path.is_file()
    with sqlite3.connect(db_path) as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_keys_increment_and_survive_reopening(db_path: Path, tracker: LocalTracker) -> None:
    assert tracker.create_ticket("one").key == "DEMO-1"
    assert tracker.create_ticket("two").key == "DEMO-2"
    reopened = LocalTracker(db_path)
    assert reopened.create_ticket("three").key == "DEMO-3"
    assert [t.key for t in reopened.list_tickets()] == ["DEMO-3", "DEMO-2", "DEMO-1"]


def test_keys_are_never_reused_even_after_a_row_is_gone(
    db_path: Path, tracker: LocalTracker
) -> None:
    tracker.create_ticket("one")
    tracker.create_ticket("two")
    with sqlite3.connect(db_path) as db:
        db.execute("delete from tickets where key = 'DEMO-2'")
    assert tracker.create_ticket("three").key == "DEMO-3"


def test_projects_number_independently_and_do_not_see_each_other(db_path: Path) -> None:
    demo = LocalTracker(db_path)
    ops = LocalTracker(db_path, project="OPS")
    demo.create_ticket("demo ask")
    assert ops.create_ticket("ops ask").key == "OPS-1"
    assert demo.create_ticket("demo again").key == "DEMO-2"
    assert [t.key for t in ops.list_tickets()] == ["OPS-1"]
    with pytest.raises(TicketNotFoundError):
        ops.get_ticket("DEMO-1")


def test_key_lookup_ignores_case_and_spaces(tracker: LocalTracker) -> None:
    tracker.create_ticket("ask")
    assert tracker.get_ticket(" demo-1 ").key == "DEMO-1"


@pytest.mark.parametrize("key", ["", "DEMO", "DEMO-0", "DEMO-1; drop table tickets", "../x"])
def test_malformed_keys_are_not_found(tracker: LocalTracker, key: str) -> None:
    tracker.create_ticket("ask")
    with pytest.raises(TicketNotFoundError, match="no such ticket"):
        tracker.get_ticket(key)


def test_custom_workflow(db_path: Path) -> None:
    tracker = LocalTracker(db_path, project="BI", workflow=("Backlog", "Doing", "Shipped"))
    ticket = tracker.create_ticket("custom")
    assert tracker.statuses() == ["Backlog", "Doing", "Shipped"]
    assert (ticket.key, ticket.status) == ("BI-1", "Backlog")
    assert tracker.transition(ticket.key, "shipped") == "moved"
    assert tracker.get_ticket(ticket.key).status == "Shipped"
    assert tracker.transition(ticket.key, "In Review") == "unreachable"


@pytest.mark.parametrize(
    ("workflow", "message"),
    [
        ((), "no statuses"),
        (("To Do", "to do"), "twice"),
        (("To Do", " "), "empty status"),
        ("To Do", "not one string"),
    ],
)
def test_bad_workflow_is_a_usage_error(db_path: Path, workflow, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        LocalTracker(db_path, workflow=workflow)


@pytest.mark.parametrize("project", ["", "demo", "1ABC", "A-B", "TOOLONGPROJECT"])
def test_bad_project_is_a_usage_error(db_path: Path, project: str) -> None:
    with pytest.raises(UsageError, match="project"):
        LocalTracker(db_path, project=project)


@pytest.mark.parametrize(
    ("summary", "message"),
    [("", "empty"), ("   \t", "empty"), ("two\nlines", "one line"), ("x" * 256, "255")],
)
def test_bad_summary_is_a_usage_error(tracker: LocalTracker, summary: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        tracker.create_ticket(summary)
    assert tracker.list_tickets() == []


def test_any_status_is_reachable_from_any_other(tracker: LocalTracker) -> None:
    key = tracker.create_ticket("ask").key
    assert tracker.transition(key, "Done") == "moved"
    assert tracker.transition(key, "To Do") == "moved"
    assert tracker.transition(key, "In Review") == "moved"
    assert tracker.get_ticket(key).status == "In Review"


def test_history_records_moves_only(tracker: LocalTracker) -> None:
    key = tracker.create_ticket("ask").key
    before = datetime.now(UTC)
    tracker.transition(key, "In Progress")
    tracker.transition(key, "in progress")
    tracker.transition(key, "Nowhere")
    tracker.transition(key, "Done")
    history = tracker.history(key)
    assert [(old, new) for old, new, _ in history] == [
        ("To Do", "In Progress"),
        ("In Progress", "Done"),
    ]
    for _, _, at in history:
        assert at.tzinfo is not None
        assert at >= before - timedelta(seconds=1)
    assert history[0][2] <= history[1][2]


def test_history_of_unknown_ticket_raises(tracker: LocalTracker) -> None:
    with pytest.raises(TicketNotFoundError):
        tracker.history("DEMO-42")


def test_comment_author_and_body_as_given(tracker: LocalTracker) -> None:
    key = tracker.create_ticket("ask").key
    tracker.add_comment(key, Document.from_text("  Built.\n\n  *bold*  "), "op-1")
    (comment,) = tracker.get_ticket(key).comments
    assert comment.author == "martflow"
    assert comment.body == "  Built.\n\n  *bold*  "
    assert comment.created.utcoffset() == timedelta(0)


def test_empty_comment_is_a_usage_error(tracker: LocalTracker) -> None:
    key = tracker.create_ticket("ask").key
    with pytest.raises(UsageError, match=key):
        tracker.add_comment(key, Document.from_text("  \n"), "op-1")
    assert tracker.get_ticket(key).comments == ()


def test_op_ids_are_scoped_per_ticket(tracker: LocalTracker) -> None:
    first = tracker.create_ticket("one").key
    second = tracker.create_ticket("two").key
    a = tracker.add_comment(first, Document.from_text("same op"), "op-shared")
    b = tracker.add_comment(second, Document.from_text("same op"), "op-shared")
    assert a != b
    assert tracker.find_comment(first, "op-shared") == a
    assert tracker.find_comment(second, "op-shared") == b


def test_empty_op_id_is_not_deduplicated(tracker: LocalTracker) -> None:
    key = tracker.create_ticket("ask").key
    tracker.add_comment(key, Document.from_text("manual note"), "")
    tracker.add_comment(key, Document.from_text("manual note"), "")
    assert len(tracker.comments(key)) == 2
    assert tracker.find_comment(key, "") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, ["DEMO-3", "DEMO-2", "DEMO-1"]),
        ("", ["DEMO-3", "DEMO-2", "DEMO-1"]),
        ("REVENUE", ["DEMO-3", "DEMO-1"]),
        ("demo-2", ["DEMO-2"]),
        ("in progress", ["DEMO-2"]),
        ("%", []),
        ("project = DEMO", []),
    ],
)
def test_list_query_is_a_substring_filter(
    tracker: LocalTracker, query: str | None, expected: list[str]
) -> None:
    tracker.create_ticket("Revenue by month")
    tracker.transition(tracker.create_ticket("Churn").key, "In Progress")
    tracker.create_ticket("Net revenue retention")
    assert [t.key for t in tracker.list_tickets(query)] == expected


def test_two_threads_commenting_concurrently_both_land(db_path: Path) -> None:
    key = LocalTracker(db_path).create_ticket("busy ticket").key
    per_thread = 15
    start = threading.Barrier(2, timeout=60)
    errors: list[BaseException] = []
    ids: dict[str, list[str]] = {"a": [], "b": []}
    # One tracker each, as two processes (CLI and TUI) would have; same file.
    trackers = {name: LocalTracker(db_path) for name in ids}

    def post(name: str) -> None:
        tracker = trackers[name]
        try:
            start.wait()
            for n in range(per_thread):
                ids[name].append(
                    tracker.add_comment(key, Document.from_text(f"{name} {n}"), f"{name}-{n}")
                )
        except BaseException as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(name,)) for name in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    comments = LocalTracker(db_path).comments(key)
    assert len(comments) == 2 * per_thread
    assert {c.id for c in comments} == set(ids["a"]) | set(ids["b"])
    assert sorted(c.body for c in comments if c.body.startswith("a ")) == sorted(
        f"a {n}" for n in range(per_thread)
    )


def test_one_tracker_shared_by_threads_posting_the_same_op_posts_once(db_path: Path) -> None:
    tracker = LocalTracker(db_path)
    key = tracker.create_ticket("race").key
    start = threading.Barrier(4, timeout=60)
    results: list[str] = []

    def post() -> None:
        start.wait()
        results.append(tracker.add_comment(key, Document.from_text("exactly once"), "op-race"))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert len(set(results)) == 1
    assert [c.id for c in tracker.comments(key)] == results[:1]
