"""Snapshot tests: what each screen of the shell looks like, pinned to 120x36.

Regenerate after a deliberate change to the look (then review the SVGs in the diff):

    .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update

The ticket screen's pictures change whenever a tab is added; they live in
``TestTicketScreenSnapshots`` so they can be regenerated alone:

    .venv/bin/pytest "tests/tui/test_snapshots.py::TestTicketScreenSnapshots" --snapshot-update
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from martflow.config import Config, Project
from martflow.context import AppContext
from martflow.errors import RemoteUnavailableError
from martflow.project_scaffold.demo import DEMO_TICKETS
from martflow.tui.app import MartflowApp
from martflow.tui.screens import ticket as ticket_screen

SIZE = (120, 36)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[AppContext]:
    """An empty project in a folder named `shop`, so the title bar is the same on every run."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "config.toml").write_text("")
    context = AppContext(Project(Config(), root / "config.toml"))
    yield context
    context.close()


@pytest.fixture
def filed(shop: AppContext) -> AppContext:
    """The demo's three tickets: DEMO-1 and DEMO-2 with valid specs, DEMO-3 with a typo."""
    for ticket in DEMO_TICKETS:
        shop.tracker.create_ticket(ticket.summary, ticket.description)
    return shop


async def settle(pilot: Pilot[int]) -> None:
    """Wait until no worker runs and what they posted was handled."""
    for _ in range(10):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            break


def opened(key: str) -> Callable[[Pilot[int]], object]:
    """A run_before that opens ``key`` from the loaded ticket list."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        table = pilot.app.screen.query_one("#tickets", DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await settle(pilot)

    return run_before


# -- the ticket list ----------------------------------------------------------------------


def test_ticket_list_empty(snap_compare, shop):
    """No tickets: an empty table, the status line says how to file one
    (`martflow tickets create`), the outbox bar says the tracker is up to date."""
    assert snap_compare(MartflowApp(shop), terminal_size=SIZE, run_before=settle)


def test_ticket_list_loaded(snap_compare, filed):
    """Three tickets DEMO-1..3 with status To Do and progress 0/6, their summaries in full,
    the cursor row on the first; the status line says "3 tickets"; the footer lists
    Filter, Refresh, Keys, Sync, Quit."""
    assert snap_compare(MartflowApp(filed), terminal_size=SIZE, run_before=settle)


def test_ticket_list_filtered(snap_compare, filed):
    """The filter box holds "cust" and only DEMO-1 (Customer lifetime value) is listed;
    the status line says "1 of 3 tickets match"; the table has the focus again."""
    assert snap_compare(
        MartflowApp(filed),
        terminal_size=SIZE,
        run_before=settle,
        press=["slash", *"cust", "enter"],
    )


def test_ticket_list_tracker_failed(snap_compare, shop):
    """The tracker is down: the table is empty and the status line reads
    "Could not load tickets: connection refused" - no dialog, the app keeps running."""

    class DownTracker:
        def list_tickets(self, query: str | None = None) -> list[object]:
            raise RemoteUnavailableError("connection refused")

    shop.__dict__["tracker"] = DownTracker()
    assert snap_compare(MartflowApp(shop), terminal_size=SIZE, run_before=settle)


# -- dialogs -------------------------------------------------------------------------------


def test_error_dialog_open(snap_compare, tmp_path):
    """A `[keys]` typo at start-up: the error dialog (red frame) over the ticket list, titled
    "Configuration error", saying "[keys] run_nxt: no such key binding; did you mean
    'run_next'?", with a focused OK button."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "config.toml").write_text('[keys]\nrun_nxt = "ctrl+n"\n')
    context = AppContext.load(root / "config.toml")
    try:
        assert snap_compare(MartflowApp(context), terminal_size=SIZE, run_before=settle)
    finally:
        context.close()


def test_help_screen_open(snap_compare, filed):
    """The Keys dialog over the ticket list: martflow's keys first with their binding ids
    (/ filter, r refresh, esc clear_filter, ? help, s sync, q quit), then the table's
    navigation keys; the hint below says how to remap a key in config.toml."""
    assert snap_compare(
        MartflowApp(filed), terminal_size=SIZE, run_before=settle, press=["question_mark"]
    )


# -- the ticket screen (regenerate when tabs change) ---------------------------------------


class TestTicketScreenSnapshots:
    """The ticket screen; every tab added to it changes these pictures."""

    @pytest.fixture(autouse=True)
    def pinned_clock(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(ticket_screen, "now", lambda: datetime(2024, 5, 1, 9, 30))

    def test_ticket_screen_valid_spec(self, snap_compare, filed):
        """DEMO-1: title "DEMO-1 · To Do · Customer lifetime value"; the step list with
        every step pending and `start` marked next (bold, cursor on it); the Ticket tab
        with the description and the parsed spec (fact fct_customer_orders, its sources,
        grain, joins, dimensions, measures, dashboard); an empty log; the outbox bar
        says the tracker is up to date; the footer lists the ticket's keys."""
        assert snap_compare(MartflowApp(filed), terminal_size=SIZE, run_before=opened("DEMO-1"))

    def test_ticket_screen_invalid_spec(self, snap_compare, filed):
        """DEMO-3: the description, then the spec box in red saying "Spec does not validate"
        and listing the problem with the misspelt `grian` key."""
        assert snap_compare(MartflowApp(filed), terminal_size=SIZE, run_before=opened("DEMO-3"))
