"""Ticket views: the list with pipeline progress, and one ticket with its spec and steps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from martflow.core.models import (
    STEP_NAMES,
    OutboxEntry,
    OutboxState,
    StepRecord,
    StepState,
    Ticket,
    TicketSpec,
)
from martflow.errors import RemoteUnavailableError, SpecError, TicketNotFoundError
from martflow.services.ports import HasLedger, HasProject, HasTracker

if TYPE_CHECKING:
    from martflow.core.workflow.engine import RunReport


class TicketPorts(HasProject, HasTracker, HasLedger, Protocol):
    """What ticket views read: the tracker, the ledger and the project's spec files."""


@dataclass(frozen=True)
class TicketRow:
    """A ticket in the list: what the tracker says plus how far its pipeline got."""

    key: str
    summary: str
    status: str
    done: int
    total: int
    failed: str | None = None
    running: str | None = None

    @property
    def progress(self) -> str:
        """``3/6``, with the failed or running step named."""
        text = f"{self.done}/{self.total}"
        if self.running:
            return f"{text} {self.running}…"
        if self.failed:
            return f"{text} {self.failed} failed"
        return text


@dataclass(frozen=True)
class TicketView:
    """One ticket: what was asked, its spec (or why it does not validate), its pipeline."""

    ticket: Ticket
    spec: TicketSpec | None
    spec_source: str
    spec_problems: tuple[str, ...]
    steps: tuple[StepRecord, ...]
    queued: tuple[OutboxEntry, ...] = field(default=())
    spec_error: str = ""
    """The one-line reason the spec does not validate (its first problem, with the source)."""


def ticket_rows(context: TicketPorts) -> list[TicketRow]:
    """The tracker's tickets (the configured JQL) with their pipeline progress."""
    return [row for page in ticket_row_pages(context) for row in page]


def ticket_row_pages(context: TicketPorts) -> Iterator[list[TicketRow]]:
    """``ticket_rows`` a page at a time, each page as soon as the tracker sends it."""
    known = set(context.ledger.tickets())
    for page in context.tracker.ticket_pages(context.project.config.tracker.jql or None):
        yield [_row(context, ticket) if ticket.key in known else _fresh(ticket) for ticket in page]


def _fresh(ticket: Ticket) -> TicketRow:
    return TicketRow(ticket.key, ticket.summary, ticket.status, 0, len(STEP_NAMES))


def _row(context: TicketPorts, ticket: Ticket) -> TicketRow:
    steps = context.ledger.steps(ticket.key)
    states = {s.name: s.state for s in steps}
    return TicketRow(
        ticket.key,
        ticket.summary,
        ticket.status,
        done=sum(state is StepState.SUCCEEDED for state in states.values()),
        total=len(STEP_NAMES),
        failed=next((n for n, s in states.items() if s is StepState.FAILED), None),
        running=next((n for n, s in states.items() if s is StepState.RUNNING), None),
    )


def canonical_key(context: TicketPorts, key: str) -> str:
    """The tracker's spelling of ``key`` (``demo-1`` -> ``DEMO-1``).

    When the tracker cannot answer (unreachable, or the ticket is gone) a pipeline the
    ledger knows under the same key in another case is used, so ``status`` works offline.

    Raises:
        TicketNotFoundError: the tracker does not know the key and neither does the ledger.
        RemoteUnavailableError: the tracker is unreachable and the ledger does not know it.
    """
    try:
        return context.tracker.get_ticket(key).key
    except (RemoteUnavailableError, TicketNotFoundError):
        wanted = key.strip().casefold()
        known = [k for k in context.ledger.tickets() if k.casefold() == wanted]
        if not known:
            raise
        return known[0]


def spec_file(context: TicketPorts, key: str) -> Path:
    """Where the ticket's spec file lives (``specs/KEY.yml``)."""
    return context.project.specs_dir / f"{key}.yml"


def ticket_and_spec(
    context: TicketPorts, key: str, override: Path | None = None
) -> tuple[Ticket, TicketSpec]:
    """The ticket and its spec: ``override``, else ``specs/KEY.yml``, else the description.

    Raises:
        SpecError: when no spec is found or it does not validate.
    """
    from martflow.core.spec import load_spec

    ticket = context.tracker.get_ticket(key)
    key = ticket.key  # the tracker's spelling names specs/KEY.yml
    return ticket, load_spec(ticket.description, override or spec_file(context, key), key=key)


def ticket_view(context: TicketPorts, key: str) -> TicketView:
    """Everything the ticket screen shows, read from the tracker and the ledger."""
    from martflow.core.spec import load_spec

    ticket = context.tracker.get_ticket(key)
    key = ticket.key  # the tracker's spelling: the ledger and specs/KEY.yml use it
    path = spec_file(context, key)
    source = str(path.relative_to(context.project.root)) if path.exists() else "the description"
    try:
        spec: TicketSpec | None = load_spec(ticket.description, path, key=key)
        problems: tuple[str, ...] = ()
        error = ""
    except SpecError as exc:
        spec, problems, error = None, tuple(exc.problems), exc.message
    return TicketView(
        ticket=ticket,
        spec=spec,
        spec_source=source,
        spec_problems=problems,
        steps=tuple(context.ledger.steps(key)),
        queued=tuple(context.ledger.outbox(key, open_only=True)),
        spec_error=error,
    )


def view_after_run(view: TicketView, report: RunReport) -> TicketView:
    """``view`` as ``report`` left it, with no tracker or ledger read.

    The steps and open updates are the run's final ones; the status is the last one
    the run moved the ticket to (unchanged when it moved none), by a step it ran or by
    an update that was queued when the view was read.
    """
    was_queued = {entry.op_id for entry in view.queued}
    moved = [
        entry.target
        for entry in report.outbox
        if entry.kind == "transition"
        and entry.state is OutboxState.CONFIRMED
        and (entry.step in report.ran or entry.op_id in was_queued)
    ]
    ticket = replace(view.ticket, status=moved[-1]) if moved else view.ticket
    open_states = (OutboxState.PENDING, OutboxState.IN_FLIGHT)
    return replace(
        view,
        ticket=ticket,
        steps=tuple(report.steps),
        queued=tuple(entry for entry in report.outbox if entry.state in open_states),
    )
