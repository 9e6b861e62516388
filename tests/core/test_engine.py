"""The workflow engine: order, resume, exactly-once delivery, faults, locks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from martflow.core.document import Document, document, paragraph
from martflow.core.models import STEP_NAMES, OutboxState, StepOutcome, StepState
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.engine import Engine, StepContext
from martflow.core.workflow.ledger import Ledger
from martflow.errors import (
    CancelledError,
    RemoteRejectedError,
    RemoteUnavailableError,
    TicketBusyError,
    UsageError,
)
from tests.fakes.memory_tracker import MemoryTracker
from tests.lock_holder import ticket_lock_held

STATUSES = {"start": "In Progress", "commit": "In Review", "publish": "Done"}


def said(text: str) -> Document:
    """A one-paragraph comment."""
    return document(paragraph(text))


def no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


class Recorder:
    """Step functions that record their calls and succeed unless told otherwise."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail: dict[str, int] = {}

    def steps(self) -> dict[str, object]:
        return {name: self._make(name) for name in STEP_NAMES}

    def _make(self, name: str):
        def step(context: StepContext) -> StepOutcome:
            self.calls.append(name)
            if self.fail.get(name, 0) > 0:
                self.fail[name] -= 1
                return StepOutcome(ok=False, detail=f"{name} broke", comment=said(f"{name} broke"))
            return StepOutcome(
                ok=True, detail=f"{name} done", artifacts={"n": 1}, comment=said(f"{name} done")
            )

        return step


@pytest.fixture
def tracker() -> MemoryTracker:
    tracker = MemoryTracker()
    tracker.create_ticket("Customer lifetime value")
    return tracker


def make_engine(tmp_path: Path, tracker: MemoryTracker, steps, attempts: int = 4) -> Engine:
    return Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        steps,
        STATUSES.get,
        policy=RetryPolicy(attempts=attempts, sleep=no_sleep),
    )


def bodies(tracker: MemoryTracker) -> list[str]:
    return [c.body for c in tracker.get_ticket("DEMO-1").comments]


def test_runs_every_step_in_order_with_one_comment_each(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    report = engine.run("DEMO-1")
    assert recorder.calls == list(STEP_NAMES)
    assert report.failed is None and not report.queued
    assert bodies(tracker) == [f"{n} done" for n in STEP_NAMES]
    assert tracker.get_ticket("DEMO-1").status == "Done"
    states = [s.state for s in engine.ledger.steps("DEMO-1")]
    assert states == [StepState.SUCCEEDED] * len(STEP_NAMES)
    assert all(e.state is OutboxState.CONFIRMED for e in engine.ledger.outbox("DEMO-1"))


def test_second_run_is_idempotent(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    engine.run("DEMO-1")
    engine.run("DEMO-1")
    assert recorder.calls == list(STEP_NAMES)
    assert len(bodies(tracker)) == len(STEP_NAMES)


def test_resumes_from_the_first_unfinished_step(tmp_path, tracker):
    recorder = Recorder()
    recorder.fail["lint"] = 1
    engine = make_engine(tmp_path, tracker, recorder.steps())
    first = engine.run("DEMO-1")
    assert first.failed == "lint"
    assert engine.ledger.step("DEMO-1", "build").state is StepState.PENDING
    second = engine.run("DEMO-1")
    assert second.failed is None
    assert recorder.calls == [
        "start", "scaffold", "lint", "lint", "build", "document", "commit", "publish",
    ]  # fmt: skip
    assert "lint broke" in bodies(tracker)


def test_the_report_carries_every_steps_final_state_and_the_outbox(tmp_path, tracker):
    recorder = Recorder()
    recorder.fail["lint"] = 1
    engine = make_engine(tmp_path, tracker, recorder.steps())

    report = engine.run("DEMO-1")

    assert [r.name for r in report.steps] == list(STEP_NAMES)
    assert report.state("scaffold") is StepState.SUCCEEDED
    assert report.state("lint") is StepState.FAILED
    assert report.state("build") is StepState.PENDING
    assert report.steps == engine.ledger.steps("DEMO-1")
    assert [e.op_id for e in report.outbox] == [e.op_id for e in engine.ledger.outbox("DEMO-1")]
    assert report.outbox and all(e.state is OutboxState.CONFIRMED for e in report.outbox)


def test_same_failure_twice_comments_once(tmp_path, tracker):
    recorder = Recorder()
    recorder.fail["scaffold"] = 2
    engine = make_engine(tmp_path, tracker, recorder.steps())
    engine.run("DEMO-1")
    engine.run("DEMO-1")
    assert bodies(tracker).count("scaffold broke") == 1


def test_from_and_until_select_steps(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    engine.run("DEMO-1", until_step="scaffold")
    assert recorder.calls == ["start", "scaffold"]
    engine.run("DEMO-1", from_step="scaffold", until_step="lint")
    assert recorder.calls == ["start", "scaffold", "scaffold", "lint"]
    with pytest.raises(UsageError, match="comes after"):
        engine.run("DEMO-1", from_step="build", until_step="start")
    with pytest.raises(UsageError, match="unknown step 'deploy'"):
        engine.run("DEMO-1", only=["deploy"])


def test_missing_step_fails_clearly(tmp_path, tracker):
    engine = make_engine(tmp_path, tracker, {"start": Recorder().steps()["start"]})
    report = engine.run("DEMO-1")
    assert report.failed == "scaffold"
    assert engine.ledger.step("DEMO-1", "scaffold").detail == "scaffold: not implemented yet"


def test_crashing_step_is_failed_not_running(tmp_path, tracker):
    def boom(_context: StepContext) -> StepOutcome:
        raise ZeroDivisionError("oops")

    engine = make_engine(tmp_path, tracker, {**Recorder().steps(), "lint": boom})
    engine.run("DEMO-1")
    record = engine.ledger.step("DEMO-1", "lint")
    assert record.state is StepState.FAILED
    assert "ZeroDivisionError" in record.detail


def test_comment_retried_until_delivered_exactly_once(tmp_path, tracker):
    tracker.fail_next("add_comment", 2, RemoteUnavailableError("refused", applied=False))
    engine = make_engine(tmp_path, tracker, Recorder().steps())
    engine.run("DEMO-1", only=["start"])
    assert bodies(tracker) == ["start done"]
    comment = next(e for e in engine.ledger.outbox("DEMO-1") if e.kind == "comment")
    assert comment.state is OutboxState.CONFIRMED
    assert comment.attempts == 1
    assert tracker.calls["add_comment"] == 3


def test_ambiguous_failure_is_reconciled_not_reposted(tmp_path):
    tracker = MemoryTracker(idempotent_comments=False)
    tracker.create_ticket("x")
    tracker.fail_next(
        "add_comment", 1, RemoteUnavailableError("connection reset", applied=None), apply_first=True
    )
    engine = make_engine(tmp_path, tracker, Recorder().steps())
    engine.run("DEMO-1", only=["start"])
    assert bodies(tracker) == ["start done"]
    assert tracker.posted_comments == 1


def test_unreachable_tracker_queues_then_sync_delivers(tmp_path, tracker):
    engine = make_engine(tmp_path, tracker, Recorder().steps(), attempts=2)
    tracker.fail_next("transition", 2, RemoteUnavailableError("refused", applied=False))
    report = engine.run("DEMO-1", only=["start"])
    assert report.queued
    assert bodies(tracker) == []
    open_rows = engine.ledger.outbox("DEMO-1", open_only=True)
    assert [(e.kind, e.state) for e in open_rows] == [
        ("transition", OutboxState.PENDING),
        ("comment", OutboxState.PENDING),
    ]
    assert open_rows[0].last_error == "refused"
    delivery = engine.sync("DEMO-1")
    assert delivery.delivered == 2 and not delivery.unreachable
    assert bodies(tracker) == ["start done"]
    assert tracker.get_ticket("DEMO-1").status == "In Progress"
    engine.sync("DEMO-1")
    assert bodies(tracker) == ["start done"]


def test_rejected_update_is_marked_failed_without_retry_loop(tmp_path, tracker):
    tracker.fail_next("add_comment", 1, RemoteRejectedError("body too long", status=400))
    engine = make_engine(tmp_path, tracker, Recorder().steps())
    report = engine.run("DEMO-1", only=["start"])
    assert report.delivery.failed == 1
    comment = next(e for e in engine.ledger.outbox("DEMO-1") if e.kind == "comment")
    assert comment.state is OutboxState.FAILED
    assert comment.last_error == "body too long"
    assert tracker.calls["add_comment"] == 1


def test_retry_after_longer_than_cap_is_not_waited(tmp_path, tracker):
    waits: list[float] = []
    tracker.fail_next("transition", 1, RemoteUnavailableError("slow down", retry_after=3600))
    engine = Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        Recorder().steps(),
        STATUSES.get,
        policy=RetryPolicy(attempts=4, max_wait=30, sleep=waits.append),
    )
    report = engine.run("DEMO-1", only=["start"])
    assert report.queued
    assert waits == []


def test_retry_after_is_honoured(tmp_path, tracker):
    waits: list[float] = []
    tracker.fail_next("add_comment", 1, RemoteUnavailableError("429", retry_after=7, applied=False))
    engine = Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        Recorder().steps(),
        STATUSES.get,
        policy=RetryPolicy(sleep=waits.append),
    )
    engine.run("DEMO-1", only=["start"])
    assert waits == [7]
    assert bodies(tracker) == ["start done"]


def test_transition_with_no_path_comments_anyway_with_warning(tmp_path, tracker):
    engine = Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        Recorder().steps(),
        {"start": "Blocked"}.get,
        policy=RetryPolicy(sleep=no_sleep),
    )
    report = engine.run("DEMO-1", only=["start"])
    assert report.failed is None
    assert "Blocked" in report.delivery.warnings[0]
    assert bodies(tracker) == ["start done"]
    transition = engine.ledger.outbox("DEMO-1")[0]
    assert transition.state is OutboxState.SKIPPED


def test_busy_ticket_names_the_holder(tmp_path, tracker):
    ledger = Ledger(tmp_path / "state.db")
    with ticket_lock_held(tmp_path / "state.db", "DEMO-1") as holder:
        engine = make_engine(tmp_path, tracker, Recorder().steps())
        with pytest.raises(
            TicketBusyError, match=f"ticket DEMO-1 is busy: held by pid {holder.pid}"
        ):
            engine.run("DEMO-1")
    # The holder died without releasing: its lock must not block the next run.
    assert ledger.lock_holder("DEMO-1") is None
    report = make_engine(tmp_path, tracker, Recorder().steps()).run("DEMO-1")
    assert report.failed is None


def test_pipeline_id_is_stable(tmp_path):
    ledger = Ledger(tmp_path / "state.db")
    first = ledger.pipeline_id("DEMO-1")
    assert Ledger(tmp_path / "state.db").pipeline_id("DEMO-1") == first
    assert ledger.pipeline_id("DEMO-2") != first


def test_ledger_uses_wal(tmp_path):
    import sqlite3

    Ledger(tmp_path / "state.db")
    mode = sqlite3.connect(tmp_path / "state.db").execute("pragma journal_mode").fetchone()[0]
    assert mode == "wal"


assert os.name == "posix", "the engine's lock and kill tests need POSIX"


def test_link_to_a_tracker_without_links_is_skipped_not_failed(tmp_path, tracker):
    def publish(context: StepContext) -> StepOutcome:
        return StepOutcome(ok=True, detail="published", link=("https://t.example/wb/1", "wb"))

    engine = make_engine(tmp_path, tracker, {"publish": publish})
    report = engine.run("DEMO-1", only=["publish"], force=True)
    assert report.failed is None
    by_kind = {e.kind: e for e in engine.ledger.outbox("DEMO-1")}
    assert by_kind["link"].state is OutboxState.SKIPPED
    assert by_kind["link"].target == "https://t.example/wb/1"
    assert tracker.get_ticket("DEMO-1").status == "Done"


def test_should_stop_ends_the_run_between_steps(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    report = engine.run("DEMO-1", should_stop=lambda: len(recorder.calls) >= 2)
    assert report.cancelled
    assert recorder.calls == ["start", "scaffold"]
    assert [s.state for s in engine.ledger.steps("DEMO-1")][2] is StepState.PENDING
    assert engine.run("DEMO-1").ran == list(STEP_NAMES[2:])


def test_user_cancel_fails_the_step_quietly_and_ends_the_run_cancelled(tmp_path, tracker):
    def build(_context: StepContext) -> StepOutcome:
        raise CancelledError("dbt run cancelled")

    engine = make_engine(tmp_path, tracker, {**Recorder().steps(), "build": build})
    report = engine.run("DEMO-1")

    record = engine.ledger.step("DEMO-1", "build")
    assert report.failed == "build" and report.cancelled
    assert record.state is StepState.FAILED
    assert record.detail == "cancelled by the user"
    assert "build" not in {entry.step for entry in engine.ledger.outbox("DEMO-1")}
    assert not [body for body in bodies(tracker) if "build" in body]


def test_a_second_thread_of_the_same_process_finds_the_ticket_busy(tmp_path):
    import threading

    ledger = Ledger(tmp_path / "state.db")
    caught: list[Exception] = []

    def sync_from_another_thread() -> None:
        try:
            with Ledger(tmp_path / "state.db").lock("DEMO-1"):
                pass
        except TicketBusyError as exc:
            caught.append(exc)

    with ledger.lock("DEMO-1"):
        thread = threading.Thread(target=sync_from_another_thread)
        thread.start()
        thread.join()
        assert ledger.lock_holder("DEMO-1") is not None  # the refused thread left it alone
    assert "busy" in str(caught[0])
    assert ledger.lock_holder("DEMO-1") is None
    with ledger.lock("DEMO-1"):  # free again after the holder let go
        pass
