"""Scaffold preview, commit dialog, Models and Publish tabs: pilots on the real demo repo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rich.syntax import Syntax
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, Switch, TabbedContent, TextArea

from martflow.core.models import StepState
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.commit import CommitDialog
from martflow.tui.dialogs.error import ErrorDialog
from martflow.tui.dialogs.scaffold_preview import ScaffoldPreviewDialog
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.widgets.steps import StepList
from tests.tui.pilot_support import settle as settle_pilot

KEY = "DEMO-1"
EDITED = "Reviewed in the TUI"
INVALID = """Orders without measures.

```yaml
martflow:
  sources: [shop.orders]
  mart: orders
  kind: fact
  grain: [orders.order_id]
```
"""


async def settle(app: MartflowApp, pilot: Pilot[int]) -> None:
    """Until no worker runs: a finished run starts a reload, which may post more work."""
    await settle_pilot(pilot)


async def open_ticket(app: MartflowApp, pilot: Pilot[int], key: str) -> TicketScreen:
    await settle(app, pilot)
    screen = TicketScreen(key)
    await app.push_screen(screen)
    await settle(app, pilot)
    return screen


async def enter_on_step(app: MartflowApp, pilot: Pilot[int], step: str) -> None:
    """Move the step list's cursor to ``step`` and press Enter, as a user would."""
    steps = app.screen.query_one(StepList)
    steps.focus()
    steps.move_cursor(row=steps.get_row_index(step))
    await pilot.press("enter")
    await settle(app, pilot)


def text_of(screen: TicketScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_scaffold_preview_commit_and_publish_views(demo_context):
    app = MartflowApp(demo_context)
    dbt_dir = demo_context.project.dbt_project_dir
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_ticket(app, pilot, KEY)
        steps = screen.query_one(StepList)
        assert "Not scaffolded yet" in text_of(screen, "#models-text")
        screen.start_run(["start"], {})
        await settle(app, pilot)
        assert steps.states["start"] is StepState.SUCCEEDED

        # The preview lists every file as created, shows the highlighted one, writes nothing.
        await enter_on_step(app, pilot, "scaffold")
        dialog = app.screen
        assert isinstance(dialog, ScaffoldPreviewDialog) and dialog.plan is not None
        # Governed staging from the profile of the demo's data: categories normalized.
        summary = str(dialog.query_one("#scaffold-summary", Static).content)
        assert "Staging: " in summary
        assert "orders.status: category, trimmed and lower-cased" in summary
        table = dialog.query_one("#scaffold-files", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        paths = [path for _action, path in rows]
        assert {action for action, _path in rows} == {"create"}
        assert any(p.endswith("/fct_customer_orders.sql") for p in paths)
        shown = dialog.query_one("#scaffold-diff", Static).content
        assert isinstance(shown, Syntax) and shown.code == dialog.plan.files[0].content
        await pilot.press("down")
        shown = dialog.query_one("#scaffold-diff", Static).content
        assert isinstance(shown, Syntax) and shown.code == dialog.plan.files[1].content
        assert paths[1] in str(dialog.query_one("#scaffold-file-title", Static).content)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert not any((dbt_dir / p).exists() for p in paths)
        assert steps.states["scaffold"] is StepState.PENDING

        # Again, and Write: the files exist, the step succeeded, the Models tab lists them.
        await enter_on_step(app, pilot, "scaffold")
        assert isinstance(app.screen, ScaffoldPreviewDialog)
        await pilot.press("w")
        await settle(app, pilot)
        assert app.screen is screen
        assert all((dbt_dir / p).is_file() for p in paths)
        assert steps.states["scaffold"] is StepState.SUCCEEDED
        assert screen.query_one("#views", TabbedContent).active == "tab-models"
        models = text_of(screen, "#models-text")
        assert all(p in models for p in paths) and "fct_customer_orders" in models

        screen.start_run(["lint", "build", "document"], {})
        await settle(app, pilot)
        assert steps.states["document"] is StepState.SUCCEEDED, steps.details["document"]

        # Commit: the message is prefilled, edited by typing; push off; git has the edit.
        await enter_on_step(app, pilot, "commit")
        commit = app.screen
        assert isinstance(commit, CommitDialog)
        area = commit.query_one("#commit-message", TextArea)
        assert area.text == f"{KEY}: Customer lifetime value"
        assert all(p in commit.files for p in paths)
        switch = commit.query_one("#commit-push", Switch)
        assert switch.value is demo_context.config.git.push
        switch.value = False
        await pilot.press("enter", "enter", *[c if c != " " else "space" for c in EDITED])
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert steps.states["commit"] is StepState.SUCCEEDED, steps.details["commit"]
        body = git(demo_context.project.root, "log", "-1", "--format=%B")
        assert body.startswith(f"{KEY}: Customer lifetime value\n\n{EDITED}\n\nMartflow-Run: ")
        committed = git(demo_context.project.root, "show", "--name-only", "--format=", "HEAD")
        assert set(paths) <= set(committed.split())

        # Publish: the tab shows the .twbx path, the commit and the branch.
        assert "Not published yet" in text_of(screen, "#publish-text")
        screen.start_run(["publish"], {})
        await settle(app, pilot)
        assert steps.states["publish"] is StepState.SUCCEEDED, steps.details["publish"]
        published = text_of(screen, "#publish-text")
        location = published.splitlines()[0].split(maxsplit=1)[1]
        assert location.endswith(".twbx") and Path(location).is_file()
        sha = git(demo_context.project.root, "rev-parse", "HEAD").strip()
        branch = git(demo_context.project.root, "branch", "--show-current").strip()
        assert f"Commit      {sha[:10]} (not pushed)" in published
        assert f"Branch      {branch}" in published


async def test_scaffold_preview_of_an_invalid_spec_shows_the_problem(empty_context):
    empty_context.tracker.create_ticket("Orders mart", INVALID)
    empty_context.ledger.mark_running(KEY, "start")  # scaffold follows start
    empty_context.ledger.finish_step(KEY, "start", StepState.SUCCEEDED, "on branch x", {})
    app = MartflowApp(empty_context)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_ticket(app, pilot, KEY)
        await enter_on_step(app, pilot, "scaffold")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert dialog.error_title == "Invalid ticket spec"
        assert "martflow.measures" in dialog.error_message
        assert not any(isinstance(s, ScaffoldPreviewDialog) for s in app.screen_stack)
        await pilot.press("escape")
        assert app.screen is screen
        assert screen.query_one(StepList).states["scaffold"] is StepState.PENDING


async def test_commit_dialog_keeps_a_blank_message_open_and_says_why(empty_context):
    app = MartflowApp(empty_context)
    answers: list[object] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        dialog = CommitDialog(KEY, ["models/a.sql"], "DEMO-1: x", push=True, remote="origin")
        await app.push_screen(dialog, answers.append)
        await pilot.pause()
        assert dialog.query_one("#commit-push", Switch).value is True
        dialog.query_one("#commit-message", TextArea).load_text("   \n ")
        await pilot.press("ctrl+s")
        assert app.screen is dialog and answers == []
        assert "empty" in str(dialog.query_one("#commit-problem", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert answers == [None] and app.screen is not dialog
