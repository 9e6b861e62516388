"""What TUI pilots share: waiting for workers without sleeping."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot
from textual.worker import Worker

from martflow.tui.screens.ticket import FLOW, TicketScreen


async def settle(pilot: Pilot[int]) -> None:
    """Wait until no worker runs and every message they posted was handled.

    A finished run posts a reload, which starts another worker: hence the loop.
    """
    app = pilot.app
    for _ in range(10):
        # A flow waits for its dialog's answer: the test answers it, settle does not wait.
        busy = working(app)
        if busy:  # (an empty list would mean every worker, the waiting flows too)
            await app.workers.wait_for_complete(busy)
        await pilot.pause()
        if not working(app):
            break
    await pilot.pause()


def working(app: App[int]) -> list[Worker[object]]:
    """The running workers other than the flows waiting on a dialog."""
    return [w for w in app.workers if w.is_running and w.group != FLOW]


async def open_ticket(pilot: Pilot[int], key: str) -> TicketScreen:
    """Push the ticket screen for ``key`` (as given) once the list has loaded."""
    await settle(pilot)
    screen = TicketScreen(key)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen
