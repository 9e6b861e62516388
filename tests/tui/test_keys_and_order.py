"""The ticket screen resolves its key, and a step that cannot run yet is a notice, not a failure."""

from __future__ import annotations

import subprocess

from textual.message import Message
from textual.notifications import Notify

from martflow.context import AppContext
from martflow.core.models import StepState
from martflow.errors import StepOrderError
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.error import ErrorDialog
from martflow.tui.messages import StepRefused
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.widgets.steps import StepList
from tests.tui.pilot_support import open_ticket, settle


def git_repo(context: AppContext) -> None:
    """Make the project folder a git repo with one commit, so the start step can branch."""
    root = context.project.root
    (root / ".gitignore").write_text(".martflow/\n")
    for args in (
        ["init", "-q", "-b", "main"],
        ["-c", "user.name=T", "-c", "user.email=t@example.com", "add", "."],
        ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)


def notices(messages: list[Message]) -> list[str]:
    return [m.notification.message for m in messages if isinstance(m, Notify)]


async def test_a_screen_opened_with_another_case_works_on_the_trackers_key(empty_context):
    git_repo(empty_context)
    empty_context.tracker.create_ticket("Customer lifetime value")
    app = MartflowApp(empty_context)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_ticket(pilot, "demo-1")
        assert screen.key == "DEMO-1"

        screen.action_run_step("start")
        await settle(pilot)

        assert screen.query_one(StepList).states["start"] is StepState.SUCCEEDED
    assert empty_context.ledger.tickets() == ["DEMO-1"]
    assert empty_context.ledger.step("DEMO-1", "start").state is StepState.SUCCEEDED


async def test_a_step_that_cannot_run_yet_is_a_notice_and_records_nothing(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    seen: list[Message] = []
    app = MartflowApp(empty_context)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # opens DEMO-1
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        steps = screen.query_one(StepList)
        steps.move_cursor(row=steps.get_row_index("publish"))
        await pilot.press("enter")
        await pilot.press("f")  # lint with fixes, before anything was scaffolded
        await settle(pilot)

        assert app.screen is screen  # no publish dialog, no error dialog
        assert notices(seen) == [
            "publish cannot run yet: start, scaffold, lint, build, document and commit have not "
            "succeeded",
            "Nothing to fix yet: run the scaffold step first.",
        ]
        assert set(steps.states.values()) == {StepState.PENDING}
    assert all(r.state is StepState.PENDING for r in empty_context.ledger.steps("DEMO-1"))
    assert empty_context.tracker.get_ticket("DEMO-1").comments == ()


async def test_the_engines_refusal_in_a_run_is_a_notice_not_an_error_dialog(empty_context):
    """The list can be a moment old: the engine checks again and the screen says why."""
    empty_context.tracker.create_ticket("Customer lifetime value")
    seen: list[Message] = []
    app = MartflowApp(empty_context)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        screen.run_worker_ = screen.run_steps(["build"], {})  # past the screen's own check
        await settle(pilot)

        refused = [m for m in seen if isinstance(m, StepRefused)]
        assert [m.reason for m in refused] == [
            StepOrderError("build", ["start", "scaffold", "lint"]).reason
        ]
        assert not any(isinstance(s, ErrorDialog) for s in app.screen_stack)
        assert "build cannot run yet" in notices(seen)[-1]
        assert not screen.running
    assert empty_context.ledger.step("DEMO-1", "build").state is StepState.PENDING
