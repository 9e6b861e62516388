"""What TUI pilots share: waiting for workers without sleeping."""

from __future__ import annotations

import contextlib

from textual.pilot import Pilot
from textual.worker import WorkerFailed

from martflow.tui.screens.ticket import TicketScreen


async def settle(pilot: Pilot[int]) -> None:
    """Wait until no worker runs and every message they posted was handled.

    A finished run posts a reload, which starts another worker: hence the loop.
    A worker that fails is the app's to report (tests assert on its dialog), so its
    failure only ends the wait.
    """
    app = pilot.app
    for _ in range(10):
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
    await pilot.pause()


async def open_ticket(pilot: Pilot[int], key: str) -> TicketScreen:
    """Push the ticket screen for ``key`` (as given) once the list has loaded."""
    await settle(pilot)
    screen = TicketScreen(key)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen
