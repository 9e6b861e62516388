"""Messages workers post to the UI (past tense: what happened). Threads never touch widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # types only: the first frame must not load the engine
    from martflow.core.workflow.engine import RunReport
    from martflow.core.workflow.events import Event
    from martflow.services.outbox import SyncReport
    from martflow.services.tickets import TicketRow, TicketView


class TicketsLoaded(Message):
    """The tracker answered with a page of tickets (and the ledger with their progress).

    ``load`` numbers the listing the page belongs to, so a page of a listing that a
    refresh replaced is dropped; ``first`` starts the list over; ``complete`` says no
    page follows.
    """

    def __init__(self, load: int, rows: list[TicketRow], *, first: bool, complete: bool) -> None:
        super().__init__()
        self.load = load
        self.rows = rows
        self.first = first
        self.complete = complete


class TicketsFailed(Message):
    """The tracker could not be read (the pages already shown stay)."""

    def __init__(self, load: int, error: str) -> None:
        super().__init__()
        self.load = load
        self.error = error


class TicketViewLoaded(Message):
    """One ticket, its spec and its pipeline were read (after a run: ``failed`` names the
    step that failed, whose dialog shows once the view is in)."""

    def __init__(self, view: TicketView, failed: str | None = None) -> None:
        super().__init__()
        self.view = view
        self.failed = failed


class PipelineEvent(Message):
    """The engine reported progress (a step started, logged, finished; an update moved)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class PipelineFinished(Message):
    """A run of one or more steps ended (finished, failed or cancelled)."""

    def __init__(self, key: str, report: RunReport | None) -> None:
        super().__init__()
        self.key = key
        self.report = report


class StepRefused(Message):
    """The engine would not run a step yet (the steps before it have not succeeded)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ErrorRaised(Message):
    """Work in a worker failed with an error the user should read."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title = title
        self.message = message


class QueueChanged(Message):
    """The number of tracker updates waiting to be delivered changed."""

    def __init__(self, queued: int, unreachable: str = "") -> None:
        super().__init__()
        self.queued = queued
        self.unreachable = unreachable


class SyncFinished(Message):
    """A sync of every queued tracker update ended."""

    def __init__(self, report: SyncReport) -> None:
        super().__init__()
        self.report = report
