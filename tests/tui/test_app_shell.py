"""The TUI shell: the ticket list loads in a worker and shows tracker errors in place."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from martflow.config import Config, Project
from martflow.context import AppContext
from martflow.errors import RemoteUnavailableError
from martflow.tui.app import MartflowApp


def make_context(tmp_path: Path) -> AppContext:
    (tmp_path / "config.toml").write_text("")
    return AppContext(Project(Config(), tmp_path / "config.toml"))


async def test_ticket_list_loads(tmp_path):
    context = make_context(tmp_path)
    context.tracker.create_ticket("Customer lifetime value")
    context.tracker.create_ticket("Product catalogue dimension")
    app = MartflowApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#tickets", DataTable)
        assert table.row_count == 2
        assert str(table.get_row("DEMO-1")[3]) == "Customer lifetime value"
        assert str(app.screen.query_one("#status-line", Static).render()) == "2 tickets"


async def test_tracker_failure_is_shown_not_crashing(tmp_path):
    context = make_context(tmp_path)

    class DownTracker:
        def list_tickets(self, query=None):
            raise RemoteUnavailableError("connection refused")

    context.__dict__["tracker"] = DownTracker()
    app = MartflowApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = str(app.screen.query_one("#status-line", Static).render())
        assert line == "Could not load tickets: connection refused"
        assert app.is_running
