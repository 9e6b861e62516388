"""The base of the ticket screen's tabs: a widget that shows part of a TicketView."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import Vertical

from martflow.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView


class TicketPanel(ForwardsWorkerErrors, Vertical):
    """One tab of the ticket screen. Subclasses render ``show(view)`` without blocking.

    ``TITLE`` names the tab; ``STEP`` (if set) is the pipeline step whose results the panel
    shows, so the screen can switch to it when that step finishes.
    """

    TITLE: ClassVar[str] = ""
    STEP: ClassVar[str | None] = None

    def show(self, view: TicketView) -> None:
        """Render ``view``; called on the UI thread whenever the ticket is (re)loaded."""
        raise NotImplementedError
