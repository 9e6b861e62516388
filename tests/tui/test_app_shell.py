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
        def ticket_pages(self, query=None):
            raise RemoteUnavailableError("connection refused")

    context.__dict__["tracker"] = DownTracker()
    app = MartflowApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = str(app.screen.query_one("#status-line", Static).render())
        assert line == "Could not load tickets: connection refused"
        assert app.is_running


async def test_the_first_page_shows_while_the_rest_loads_in_the_background(
    tmp_path, monkeypatch
) -> None:
    """250 tickets on a loopback Jira Cloud: 100 show at once, all 250 once the rest arrive."""
    import threading

    from martflow import context as context_module
    from martflow.secrets import SecretStore
    from tests.integrations.jira_server import FakeJira

    monkeypatch.setattr(context_module, "SECRETS", SecretStore())
    monkeypatch.setenv("JIRA_API_TOKEN", "tui-token-5150")
    with FakeJira(user="pm@example.com", token="tui-token-5150") as jira:
        keys = [jira.add_issue(f"Ask {n}") for n in range(250)]
        held = threading.Event()
        jira.fail("GET", "/search/jql", after=1, gate=held)
        (tmp_path / "config.toml").write_text(
            f'[tracker]\nkind = "jira"\nurl = "{jira.url}"\nuser = "pm@example.com"\n'
        )
        context = AppContext.load(tmp_path / "config.toml")
        app = MartflowApp(context)
        async with app.run_test(size=(100, 30)) as pilot:
            table = app.screen.query_one("#tickets", DataTable)
            status = app.screen.query_one("#status-line", Static)
            for _ in range(200):
                await pilot.pause(0.02)
                if table.row_count:
                    break
            assert table.row_count == 100
            assert str(status.render()) == "100 tickets, loading more…"
            assert str(table.get_row_at(0)[0]) == keys[-1]
            held.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert table.row_count == 250
            assert str(status.render()) == "250 tickets"

            # A reload keeps the highlighted ticket, even one that comes back on page 3.
            table.move_cursor(row=249)
            again = threading.Event()
            jira.fail("GET", "/search/jql", after=1, gate=again)
            await pilot.press("r")
            for _ in range(200):
                await pilot.pause(0.02)
                if table.row_count == 100:
                    break
            assert str(status.render()) == "100 tickets, loading more…"
            again.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.current_key() == keys[0]
            assert table.row_count == 250
        context.close()
