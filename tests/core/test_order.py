"""Keys, order and direction: one ticket is one pipeline, steps run in order, status goes on."""

from __future__ import annotations

import pytest

from martflow.core.document import Document
from martflow.core.models import STEP_NAMES, StepOutcome, StepState
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.engine import Engine, StepContext
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.order import StatusDirection, order_problem, unmet_predecessors
from martflow.errors import RemoteUnavailableError, StepOrderError, TicketNotFoundError
from tests.core.test_engine import STATUSES, Recorder, bodies, make_engine, no_sleep
from tests.fakes.memory_tracker import MemoryTracker

PIPELINE = ["In Progress", "In Review", "Done"]


@pytest.fixture
def tracker() -> MemoryTracker:
    tracker = MemoryTracker()
    tracker.create_ticket("Customer lifetime value")
    return tracker


def statuses_after(tracker: MemoryTracker, key: str = "DEMO-1") -> list[str]:
    return [to for _from, to, _when in tracker.history(key)]


# -- keys ---------------------------------------------------------------------------------


def test_a_key_in_another_case_is_the_same_ticket(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    assert engine.run("DEMO-1").failed is None
    comments = bodies(tracker)

    report = engine.run(" demo-1 ")

    assert report.key == "DEMO-1"
    assert report.ran == []
    assert recorder.calls == list(STEP_NAMES)
    assert bodies(tracker) == comments
    assert engine.ledger.tickets() == ["DEMO-1"]


def test_the_trackers_answer_is_the_key_not_the_typed_one(tmp_path, tracker):
    """A ticket moved between projects answers to its old key with its new one."""
    tracker.alias("OLD-7", "DEMO-1")
    keys: list[str] = []

    def start(context: StepContext) -> StepOutcome:
        keys.append(context.key)
        return StepOutcome(ok=True, detail="on branch", comment=Document.from_text("start done"))

    engine = make_engine(tmp_path, tracker, {"start": start})

    report = engine.run("old-7", only=["start"])

    assert (report.key, keys) == ("DEMO-1", ["DEMO-1"])
    assert engine.ledger.tickets() == ["DEMO-1"]
    assert bodies(tracker) == ["start done"]


def test_an_unknown_key_touches_nothing(tmp_path, tracker):
    engine = make_engine(tmp_path, tracker, Recorder().steps())
    with pytest.raises(TicketNotFoundError, match="no such ticket demo-99"):
        engine.run("demo-99")
    assert engine.ledger.tickets() == []


# -- order --------------------------------------------------------------------------------


def test_an_explicit_step_refuses_until_the_steps_before_it_succeeded(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    engine.run("DEMO-1", only=["start"])
    comments = bodies(tracker)

    with pytest.raises(StepOrderError) as refused:
        engine.run("demo-1", only=["publish"])

    assert refused.value.step == "publish"
    assert refused.value.missing == ["scaffold", "lint", "build", "document", "commit"]
    assert str(refused.value) == (
        "publish cannot run yet: scaffold, lint, build, document and commit have not succeeded; "
        "run them first, or use --force to run it anyway"
    )
    assert refused.value.exit_code == 2
    assert recorder.calls == ["start"]
    assert bodies(tracker) == comments
    assert tracker.get_ticket("DEMO-1").status == "In Progress"
    assert engine.ledger.step("DEMO-1", "publish").state is StepState.PENDING
    assert engine.ledger.lock_holder("DEMO-1") is None


def test_from_a_step_needs_the_steps_before_it(tmp_path, tracker):
    recorder = Recorder()
    recorder.fail["scaffold"] = 1
    engine = make_engine(tmp_path, tracker, recorder.steps())
    engine.run("DEMO-1")
    with pytest.raises(StepOrderError, match="build cannot run yet: scaffold and lint have not"):
        engine.run("DEMO-1", from_step="build")
    with pytest.raises(StepOrderError, match="lint cannot run yet: scaffold has not succeeded"):
        engine.run("DEMO-1", only=["lint", "build"])
    assert recorder.calls == ["start", "scaffold"]
    # Selecting the missing steps too is fine: they run first, in order.
    assert engine.run("DEMO-1", from_step="scaffold").failed is None


def test_force_runs_it_anyway_and_says_so_in_the_detail(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    report = engine.run("DEMO-1", only=["commit"], force=True)
    assert report.ran == ["commit"]
    detail = engine.ledger.step("DEMO-1", "commit").detail
    assert detail == (
        "commit done [forced: start, scaffold, lint, build, document had not succeeded]"
    )
    # A forced step that follows succeeded steps carries no note.
    engine.run("DEMO-1", until_step="document")
    engine.run("DEMO-1", only=["commit"], force=True)
    assert engine.ledger.step("DEMO-1", "commit").detail == "commit done"


def test_a_plain_run_and_a_rerun_of_a_succeeded_step_need_no_force(tmp_path, tracker):
    recorder = Recorder()
    engine = make_engine(tmp_path, tracker, recorder.steps())
    engine.run("DEMO-1", until_step="lint")
    engine.run("DEMO-1", only=["scaffold"])
    engine.run("DEMO-1", from_step="lint", until_step="lint")
    assert recorder.calls == ["start", "scaffold", "lint", "scaffold", "lint"]


@pytest.mark.parametrize(
    ("selection", "missing"),
    [
        (["start"], []),
        (["publish"], ["scaffold", "build", "document", "commit"]),
        (["build", "document", "commit", "publish"], ["scaffold"]),
        (["build", "commit"], ["scaffold", "document"]),
        (["scaffold", "build"], []),
        ([], []),
    ],
)
def test_unmet_predecessors(selection, missing):
    states = dict.fromkeys(STEP_NAMES, StepState.PENDING)
    states.update(start=StepState.SUCCEEDED, lint=StepState.SUCCEEDED)
    states["scaffold"] = StepState.FAILED  # when selected too, it runs first: not missing
    assert unmet_predecessors(selection, states) == missing
    problem = order_problem(selection, states)
    assert (problem.missing if problem else []) == missing


# -- direction ----------------------------------------------------------------------------


def test_rerunning_a_step_of_a_done_ticket_keeps_it_done(tmp_path, tracker):
    engine = make_engine(tmp_path, tracker, Recorder().steps())
    engine.run("DEMO-1")
    assert tracker.get_ticket("DEMO-1").status == "Done"
    moves = statuses_after(tracker)

    engine.run("DEMO-1", from_step="build")
    engine.run("DEMO-1", only=["start"])

    assert tracker.get_ticket("DEMO-1").status == "Done"
    assert statuses_after(tracker) == moves
    transitions = [e.target for e in engine.ledger.outbox("DEMO-1") if e.kind == "transition"]
    assert transitions == ["In Progress", "In Review", "Done", "Done"]  # publish: already Done


def test_publish_before_commit_does_not_move_done_back_to_in_review(tmp_path, tracker):
    events: list[object] = []
    engine = Engine(
        Ledger(tmp_path / "state.db"),
        tracker,
        Recorder().steps(),
        STATUSES.get,
        policy=RetryPolicy(sleep=no_sleep),
        on_event=events.append,
    )
    engine.run("DEMO-1", until_step="document")
    engine.run("DEMO-1", only=["publish"], force=True)
    assert tracker.get_ticket("DEMO-1").status == "Done"

    assert engine.run("DEMO-1", only=["commit"]).failed is None

    assert tracker.get_ticket("DEMO-1").status == "Done"
    assert "In Review" not in statuses_after(tracker)
    assert "commit done" in bodies(tracker)  # the PM still hears about the commit
    notes = [getattr(e, "message", "") for e in events]
    assert "status stays Done: not back to In Review" in notes


def test_a_status_still_queued_counts_as_where_the_ticket_is(tmp_path, tracker):
    engine = make_engine(tmp_path, tracker, Recorder().steps(), attempts=1)
    engine.run("DEMO-1", until_step="commit")
    tracker.fail_next("transition", 1, RemoteUnavailableError("down", applied=False))
    assert engine.run("DEMO-1").queued  # publish's "Done" waits in the outbox
    assert tracker.get_ticket("DEMO-1").status == "In Review"

    tracker.fail_next("transition", 1, RemoteUnavailableError("down", applied=False))
    engine.run("DEMO-1", only=["start"])  # still down when it starts: Done is still queued

    transitions = [e.target for e in engine.ledger.outbox("DEMO-1") if e.kind == "transition"]
    assert transitions == ["In Progress", "In Review", "Done"]
    assert tracker.get_ticket("DEMO-1").status == "Done"
    assert statuses_after(tracker) == ["In Progress", "In Review", "Done"]


def test_statuses_outside_the_pipeline_rank_by_the_trackers_workflow(tmp_path):
    tracker = MemoryTracker(
        workflow=("To Do", "In Progress", "Blocked", "In Review", "Done", "Closed")
    )
    tracker.create_ticket("x")
    engine = make_engine(tmp_path, tracker, Recorder().steps())
    engine.run("DEMO-1", until_step="document")  # To Do ranks first: start moves it on
    assert tracker.get_ticket("DEMO-1").status == "In Progress"

    tracker.transition("DEMO-1", "Blocked")  # the PM parks it
    engine.run("DEMO-1", only=["start"])  # In Progress is behind Blocked
    assert tracker.get_ticket("DEMO-1").status == "Blocked"
    engine.run("DEMO-1", only=["commit"])  # In Review is past it
    assert tracker.get_ticket("DEMO-1").status == "In Review"

    tracker.transition("DEMO-1", "Closed")
    engine.run("DEMO-1", from_step="start")
    assert tracker.get_ticket("DEMO-1").status == "Closed"
    assert tracker.calls["statuses"] == 4  # once per run whose ticket was outside the pipeline


def test_pipeline_statuses_follow_the_steps_and_others_the_trackers_list():
    direction = StatusDirection(
        "Done", PIPELINE, lambda: ["To Do", "In Progress", "Blocked", "In Review", "Done", "Closed"]
    )
    assert direction.moves_back("In Review")
    assert not direction.moves_back("done")
    assert [direction.rank(s) for s in ("To Do", "Blocked", "Closed")] == [-0.5, 0.5, 2.5]
    assert direction.rank("Nowhere") is None


def test_a_tracker_list_out_of_step_order_ranks_only_the_pipelines_statuses():
    """Jira does not promise workflow order; one that contradicts the steps is not used."""
    direction = StatusDirection(
        "To Do", PIPELINE, lambda: ["Done", "To Do", "In Review", "In Progress", "Closed"]
    )
    assert direction.rank("To Do") is None
    assert direction.advance("In Progress")  # unranked: the tracker decides, as before
    assert direction.rank("Done") == 2.0
    assert StatusDirection("Done", PIPELINE, list).moves_back("In Review")  # needs no list


def test_an_unreadable_workflow_leaves_the_move_to_the_tracker():
    asked: list[int] = []

    def unreachable() -> list[str]:
        asked.append(1)
        raise RemoteUnavailableError("Jira is down")

    direction = StatusDirection("Triage", PIPELINE, unreachable)
    assert direction.rank("Triage") is None
    assert direction.advance("In Progress")
    assert direction.current == "In Progress"
    assert asked == [1]  # asked once, not on every rank


def test_unknown_statuses_are_not_asked_for_when_both_are_in_the_pipeline():
    asked: list[int] = []
    direction = StatusDirection.for_steps("In Review", STATUSES.get, lambda: asked.append(1) or [])
    assert not direction.advance("In Progress")
    assert direction.advance("Done")
    assert asked == []
