"""Messages workers post to the UI (past tense: what happened)."""

from __future__ import annotations

from textual.message import Message

from martflow.core.models import Ticket


class TicketsLoaded(Message):
    """The tracker answered with these tickets."""

    def __init__(self, tickets: list[Ticket]) -> None:
        super().__init__()
        self.tickets = tickets


class TicketsFailed(Message):
    """The tracker could not be read."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error
