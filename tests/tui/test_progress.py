"""Progress and errors (issue 18): the running step spins with its clock and dbt's count, its
tabs are cleared, cancelled is cancelled, a failed push is not a failed commit, and error
dialogs give the cause in full and the next key."""

from __future__ import annotations

from textual.widgets import Static

from martflow.core.models import StepState
from martflow.core.workflow.engine import CANCELLED
from martflow.core.workflow.events import StepFinished, StepProgress, StepStarted
from martflow.errors import SpecError
from martflow.project_scaffold.demo import DEMO_TICKETS
from martflow.tui.app import MartflowApp
from martflow.tui.screens.failure import failure_text
from martflow.tui.widgets.fitted_table import FittedTable
from martflow.tui.widgets.steps import SPINNER, StepList
from martflow.tui.worker_errors import error_text
from tests.tui.pilot_support import open_ticket

SIZE = (120, 40)
NODES = [
    {"name": "stg_orders", "type": "model", "status": "success", "seconds": 0.1, "rows": 21957},
    {
        "name": "dim_products",
        "type": "model",
        "status": "error",
        "seconds": 0.1,
        "rows": None,
        "message": 'Binder Error: Referenced column "prodcut_id" not found',
    },
]


def finish(context, step: str, state: StepState, detail: str, **artifacts: object) -> None:
    context.ledger.mark_running("DEMO-1", step)
    context.ledger.finish_step("DEMO-1", step, state, detail, artifacts)


def cells(steps: StepList, step: str) -> list[str]:
    return [str(cell) for cell in steps.get_row(step)]


async def test_the_running_step_spins_counts_and_clears_its_tab(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    for step in ("start", "scaffold", "lint"):
        finish(empty_context, step, StepState.SUCCEEDED, "ok")
    finish(empty_context, "build", StepState.SUCCEEDED, "2 models built", nodes=NODES[:1])
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        table = screen.query_one("#build-table", FittedTable)
        assert table.row_count == 1
        assert "21,957" in [str(c) for c in table.get_row_at(0)]  # the whole number

        screen.show_event(StepStarted("DEMO-1", "build"))
        screen.show_event(StepProgress("DEMO-1", "build", "4 of 9 START sql model x"))
        await pilot.pause()
        steps = screen.query_one(StepList)
        icon, _name, detail = cells(steps, "build")
        assert icon in SPINNER and detail.startswith("4 of 9 · ") and detail.endswith("s")
        assert table.row_count == 0  # the last run's nodes are gone while it runs again
        assert "running" in str(screen.query_one("#build-summary", Static).content)

        screen.show_event(StepFinished("DEMO-1", "build", StepState.FAILED, CANCELLED))
        await pilot.pause()
        assert cells(steps, "build")[0] == "⊘" and cells(steps, "build")[2] == "cancelled"
        assert steps.ticker is None


async def test_a_failed_push_is_its_own_state_after_the_commit(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    for step in ("start", "scaffold", "lint", "build", "document"):
        finish(empty_context, step, StepState.SUCCEEDED, "ok")
    finish(
        empty_context,
        "commit",
        StepState.SUCCEEDED,
        "commit 3f2a9c1b7e (8 files); push failed: remote rejected",
        sha="3f2a9c1b7e5d",
        pushed=False,
        push_error="remote rejected",
    )
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        steps = screen.query_one(StepList)
        assert steps.states["commit"] is StepState.SUCCEEDED
        assert cells(steps, "commit")[0] == "⚠"
        assert steps.next_step == "publish"
        published = str(screen.query_one("#publish-text", Static).content)
        assert "not pushed: remote rejected; run commit again to push" in published


async def test_a_build_failure_dialog_gives_the_databases_message_and_the_next_key(
    empty_context,
):
    demo = DEMO_TICKETS[0]  # a valid spec: the dialog is about the build, not the spec
    empty_context.tracker.create_ticket(demo.summary, demo.description)
    finish(empty_context, "build", StepState.FAILED, "1 failed: dim_products", nodes=NODES)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        view = screen.view
        assert view is not None
        record = next(r for r in view.steps if r.name == "build")
        text = failure_text(view, record)
    assert 'Binder Error: Referenced column "prodcut_id" not found' in text
    assert "Next: Fix the model or its test, then press Enter on build" in text


def test_an_invalid_spec_error_lists_every_problem_and_the_editor_key() -> None:
    problems = ["martflow.grian: unknown key", "martflow.measures: missing", "martflow.mart: bad"]
    text = error_text(SpecError(problems[0], problems=problems))
    assert all(problem in text for problem in problems)
    assert "more problem" not in text
    assert text.endswith("Next: press e to edit the spec.")
