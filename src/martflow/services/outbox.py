"""Queued tracker updates: how many wait, and delivering them all (``sync``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from martflow.errors import TicketBusyError
from martflow.services.ports import HasEngine, HasLedger


class OutboxPorts(HasLedger, HasEngine, Protocol):
    """What delivering queued updates needs: the ledger and an engine over it."""


@dataclass
class SyncReport:
    """What one ``sync`` over every ticket did."""

    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    """Why each failed update was refused."""
    queued: int = 0
    unreachable: str = ""
    skipped: list[str] = field(default_factory=list)
    """One line per ticket left alone because another run holds it."""


def queued_updates(context: OutboxPorts) -> int:
    """How many tracker updates are waiting to be delivered, over every ticket."""
    return len(context.ledger.outbox(open_only=True))


def sync_all(context: OutboxPorts) -> SyncReport:
    """Deliver every ticket's queued updates; a busy ticket is skipped, not failed."""
    engine = context.engine()
    report = SyncReport()
    keys = sorted({e.key for e in context.ledger.outbox(open_only=True)})
    for key in keys:
        try:
            delivery = engine.sync(key)
        except TicketBusyError as busy:
            # The holder delivers its own updates; the others still go out now.
            report.queued += len(context.ledger.outbox(key, open_only=True))
            report.skipped.append(f"skipped {key}: {busy.message}")
            continue
        report.delivered += delivery.delivered
        report.failed += delivery.failed
        report.errors.extend(delivery.errors)
        report.queued += delivery.queued
        report.unreachable = report.unreachable or delivery.unreachable
    return report
