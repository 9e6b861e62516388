"""An in-memory Tracker for engine tests, with fault injection and call counters.

Example: a server that applied a comment and then dropped the connection, once::

    tracker = MemoryTracker()
    tracker.fail_next(
        "add_comment", 1, RemoteUnavailableError("connection reset", applied=None),
        apply_first=True,
    )

and a server that certainly refused twice (the write never happened)::

    tracker.fail_next("transition", 2, RemoteUnavailableError("refused", applied=False))
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar

from martflow.core.document import Document
from martflow.core.document_text import render_text
from martflow.core.models import Comment, Ticket
from martflow.core.ports import TransitionResult
from martflow.errors import TicketNotFoundError, UsageError

T = TypeVar("T")

TRACKER_METHODS = frozenset(
    {
        "list_tickets",
        "get_ticket",
        "create_ticket",
        "statuses",
        "transition",
        "add_comment",
        "find_comment",
    }
)


@dataclass
class _Fault:
    times: int
    error: Exception
    apply_first: bool


@dataclass
class _Record:
    ticket: Ticket
    comments: list[tuple[Comment, str]] = field(default_factory=list)
    history: list[tuple[str, str, datetime]] = field(default_factory=list)


class MemoryTracker:
    """A thread-safe ``Tracker`` held in memory.

    Attributes:
        calls: how many times each port method was called, failed calls included.
        posted_comments: how many comments were actually stored (not deduplicated).
        idempotent_comments: when False, ``add_comment`` posts every time like a raw
            Jira POST, so a test can prove the engine reconciles before resending.
    """

    def __init__(
        self,
        project: str = "DEMO",
        workflow: Sequence[str] = ("To Do", "In Progress", "In Review", "Done"),
        *,
        idempotent_comments: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.project = project
        self.workflow = tuple(workflow)
        self.idempotent_comments = idempotent_comments
        self.calls: Counter[str] = Counter()
        self.posted_comments = 0
        self._clock = clock
        self._tickets: dict[str, _Record] = {}
        self._numbers = itertools.count(1)
        self._comment_ids = itertools.count(10001)
        self._faults: dict[str, _Fault] = {}
        self._aliases: dict[str, str] = {}
        self._lock = threading.RLock()

    def fail_next(
        self, method_name: str, times: int, error: Exception, *, apply_first: bool = False
    ) -> None:
        """Make the next ``times`` calls of ``method_name`` raise ``error``.

        With ``apply_first`` the call takes effect before raising: a server that applied
        the write and then dropped the connection (``RemoteUnavailableError(applied=None)``).
        """
        if method_name not in TRACKER_METHODS:
            raise ValueError(f"{method_name!r} is not a Tracker method: {sorted(TRACKER_METHODS)}")
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._faults[method_name] = _Fault(times, error, apply_first)

    # -- Tracker -----------------------------------------------------------------------

    def list_tickets(self, query: str | None = None) -> list[Ticket]:
        """Tickets newest first; ``query`` is a case-insensitive substring filter."""

        def run() -> list[Ticket]:
            tickets = [r.ticket for r in reversed(self._tickets.values())]
            if not query:
                return tickets
            needle = query.casefold()
            return [
                t
                for t in tickets
                if any(needle in f.casefold() for f in (t.key, t.summary, t.status))
            ]

        return self._call("list_tickets", run)

    def ticket_pages(self, query: str | None = None) -> Iterator[list[Ticket]]:
        """``list_tickets`` as one page."""
        yield self.list_tickets(query)

    def get_ticket(self, key: str) -> Ticket:
        """The ticket with its comments, oldest first."""

        def run() -> Ticket:
            record = self._record(key)
            return replace(record.ticket, comments=tuple(c for c, _ in record.comments))

        return self._call("get_ticket", run)

    def create_ticket(self, summary: str, description: str = "") -> Ticket:
        """File a ticket ``PROJECT-N`` in the first status."""

        def run() -> Ticket:
            if not summary.strip():
                raise UsageError("a ticket needs a summary; it was empty")
            key = f"{self.project}-{next(self._numbers)}"
            ticket = Ticket(key, summary.strip(), self.workflow[0], description)
            self._tickets[key] = _Record(ticket)
            return ticket

        return self._call("create_ticket", run)

    def statuses(self) -> list[str]:
        """The workflow, in order."""
        return self._call("statuses", lambda: list(self.workflow))

    def transition(self, key: str, status: str) -> TransitionResult:
        """Case-insensitive; every status of the workflow is reachable from any other."""

        def run() -> TransitionResult:
            record = self._record(key)
            target = next((s for s in self.workflow if s.casefold() == status.casefold()), None)
            if target is None:
                return "unreachable"
            current = record.ticket.status
            if current.casefold() == target.casefold():
                return "already"
            record.ticket = replace(record.ticket, status=target)
            record.history.append((current, target, self._clock()))
            return "moved"

        return self._call("transition", run)

    def add_comment(self, key: str, body: Document, op_id: str) -> str:
        """Store the comment as text; the same ``op_id`` returns the first id (if idempotent)."""

        def run() -> str:
            record = self._record(key)
            if self.idempotent_comments and op_id:
                found = self._find(record, op_id)
                if found is not None:
                    return found
            text = render_text(body)
            comment = Comment(str(next(self._comment_ids)), text, self._clock(), "martflow")
            record.comments.append((comment, op_id))
            self.posted_comments += 1
            return comment.id

        return self._call("add_comment", run)

    def find_comment(self, key: str, op_id: str) -> str | None:
        """The id of the first comment posted with ``op_id``, if any."""
        return self._call("find_comment", lambda: self._find(self._record(key), op_id))

    # -- beyond the port ---------------------------------------------------------------

    def alias(self, old_key: str, key: str) -> None:
        """Let ``key`` answer to ``old_key`` too, as Jira does for a ticket moved between
        projects: reads under the old key return the ticket with its current key."""
        with self._lock:
            self._record(key)
            self._aliases[old_key.strip().upper()] = key.strip().upper()

    def comments(self, key: str) -> list[Comment]:
        """The ticket's comments, oldest first (not counted in ``calls``)."""
        with self._lock:
            return [c for c, _ in self._record(key).comments]

    def history(self, key: str) -> list[tuple[str, str, datetime]]:
        """Status changes as (from, to, when), oldest first (not counted in ``calls``)."""
        with self._lock:
            return list(self._record(key).history)

    # -- internals ---------------------------------------------------------------------

    def _call(self, name: str, run: Callable[[], T]) -> T:
        with self._lock:
            self.calls[name] += 1
            fault = self._faults.get(name)
            if fault is None:
                return run()
            fault.times -= 1
            if fault.times == 0:
                del self._faults[name]
            if fault.apply_first:
                run()
            raise fault.error

    def _record(self, key: str) -> _Record:
        wanted = key.strip().upper()
        record = self._tickets.get(self._aliases.get(wanted, wanted))
        if record is None:
            raise TicketNotFoundError(key)
        return record

    @staticmethod
    def _find(record: _Record, op_id: str) -> str | None:
        if not op_id:
            return None
        return next((c.id for c, op in record.comments if op == op_id), None)
