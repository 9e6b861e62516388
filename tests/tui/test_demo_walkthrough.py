"""One pilot takes the demo ticket from the ticket list to a published dashboard, by keys only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, TabbedContent, Tree

from martflow.core.models import STEP_NAMES, StepState
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.commit import CommitDialog
from martflow.tui.dialogs.confirm_publish import ConfirmPublishDialog
from martflow.tui.dialogs.scaffold_preview import ScaffoldPreviewDialog
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.screens.tickets import TicketListScreen
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.widgets.steps import StepList
from tests.tui.pilot_support import settle

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tui_dbt")]

KEY = "DEMO-1"


def cell_texts(table: DataTable[object], column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def test_demo_ticket_from_list_to_published_dashboard(demo_context) -> None:
    app = MartflowApp(demo_context)
    tracker = demo_context.tracker
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Find the ticket by typing, open it.
        await pilot.press("slash", *"lifetime", "enter")
        listed = app.screen.query_one("#tickets", DataTable)
        assert cell_texts(listed, 0) == [KEY]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.key == KEY
        steps = screen.query_one(StepList)
        assert steps.next_step == "start"

        await pilot.press("n")  # start: the branch
        await settle(pilot)
        assert steps.states["start"] is StepState.SUCCEEDED, steps.details["start"]

        await pilot.press("n")  # scaffold: preview first, then write
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, ScaffoldPreviewDialog) and preview.plan is not None
        written = [f.path for f in preview.plan.files]
        await pilot.press("w")
        await settle(pilot)
        assert steps.states["scaffold"] is StepState.SUCCEEDED, steps.details["scaffold"]
        root = demo_context.project.dbt_project_dir
        assert all((root / path).is_file() for path in written)

        await pilot.press("n")  # lint
        await settle(pilot)
        assert steps.states["lint"] is StepState.SUCCEEDED, steps.details["lint"]

        await pilot.press("n")  # build
        await settle(pilot)
        assert steps.states["build"] is StepState.SUCCEEDED, steps.details["build"]
        views = screen.query_one("#views", TabbedContent)
        assert views.active == "tab-build"
        built = screen.query_one("#build").query_one(DataTable)
        assert "fct_customer_orders" in cell_texts(built, 0)

        views.active = "tab-lineage"
        await settle(pilot)
        lineage = screen.query_one("#lineage").query_one(Tree)
        labels = [str(node.label) for node in lineage.root.children]
        assert len(labels) == 5

        views.active = "tab-preview"  # the mart before publishing
        await settle(pilot)
        rows = screen.query_one("#preview").query_one(DataTable)
        assert rows.row_count > 0

        steps.focus()
        await pilot.press("n")  # document: the data dictionary, committed next
        await settle(pilot)
        assert steps.states["document"] is StepState.SUCCEEDED, steps.details["document"]
        dictionary = demo_context.project.root / "docs/data-dictionary/fct_customer_orders.md"
        assert "| `customer_id` |" in dictionary.read_text()

        await pilot.press("n")  # commit: the dialog, message prefilled
        await settle(pilot)
        assert isinstance(app.screen, CommitDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert steps.states["commit"] is StepState.SUCCEEDED, steps.details["commit"]
        log = subprocess.run(
            ["git", "log", "-1", "--format=%s"],
            cwd=demo_context.project.root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert log.stdout.strip() == f"{KEY}: Customer lifetime value"
        shown = subprocess.run(
            ["git", "show", "--name-only", "--format=", "HEAD"],
            cwd=demo_context.project.root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "docs/data-dictionary/fct_customer_orders.md" in shown.stdout.split()

        await pilot.press("n")  # publish: confirm where it goes
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPublishDialog)
        await pilot.click("#publish-confirm")
        await settle(pilot)
        assert steps.states["publish"] is StepState.SUCCEEDED, steps.details["publish"]
        assert steps.next_step is None

        # What the PM sees: Done, one comment per step; nothing waits in the outbox.
        ticket = tracker.get_ticket(KEY)
        assert ticket.status == "Done"
        assert len(ticket.comments) == len(STEP_NAMES)
        assert str(screen.query_one(OutboxBar).render()) == "Tracker up to date"
        location = str(demo_context.ledger.step(KEY, "publish").artifacts["location"])
        assert location.endswith(".twbx") and Path(location).is_file()
        assert location in str(screen.query_one("#publish-text", Static).render())

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
        table = app.screen.query_one("#tickets", DataTable)
        assert str(table.get_row(KEY)[2]) == "7/7"
