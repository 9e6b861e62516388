"""Delivering the outbox to the tracker exactly once per operation id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from martflow.core.dictionary import DictionaryPage
from martflow.core.document import Document
from martflow.core.document_text import render_text
from martflow.core.models import OutboxEntry, OutboxState
from martflow.core.ports import PagePublisher, RemoteLinks, Tracker
from martflow.core.retry import RetryPolicy
from martflow.core.secret_scan import SecretScanner
from martflow.core.workflow.events import (
    EventSink,
    UpdateDelivered,
    UpdateFailed,
    UpdateQueued,
    ignore,
)
from martflow.core.workflow.ledger import Ledger
from martflow.errors import (
    AuthenticationError,
    RemoteRejectedError,
    RemoteUnavailableError,
    SecretFoundError,
    TicketNotFoundError,
)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    """Why each failed update was refused (the tracker's own words)."""
    warnings: list[str] = field(default_factory=list)
    queued: int = 0
    unreachable: str = ""


class Delivery:
    """Sends queued updates: reconcile in-flight rows, then send, then confirm."""

    def __init__(
        self,
        ledger: Ledger,
        tracker: Tracker,
        policy: RetryPolicy | None = None,
        on_event: EventSink = ignore,
        scanner: SecretScanner | None = None,
        pages: Callable[[], PagePublisher | None] | None = None,
    ) -> None:
        self._ledger = ledger
        self._tracker = tracker
        self._policy = policy or RetryPolicy()
        self._emit = on_event
        self._scanner = scanner or SecretScanner()
        self._pages = pages or (lambda: None)

    def deliver(self, key: str) -> DeliveryReport:
        """Deliver ``key``'s open updates in order; stop at the first transient failure.

        The caller holds the ticket's lock. Raises AuthenticationError (nothing is
        marked failed: fixing the token and running ``sync`` delivers).
        """
        report = DeliveryReport()
        pending = self._ledger.outbox(key, open_only=True)
        for index, entry in enumerate(pending):
            try:
                self._deliver_one(entry, report)
            except AuthenticationError:
                raise
            except RemoteUnavailableError as exc:
                self._ledger.mark_retry(
                    entry.op_id, exc.message, applied_unknown=exc.applied is not False
                )
                report.queued = len(pending) - index
                report.unreachable = exc.message
                self._emit(UpdateQueued(key, entry.kind, entry.target, exc.message))
                break
            except (RemoteRejectedError, TicketNotFoundError, SecretFoundError) as exc:
                self._ledger.mark_failed(entry.op_id, exc.message)
                report.failed += 1
                report.errors.append(exc.message)
                self._emit(UpdateFailed(key, entry.kind, entry.target, exc.message))
        return report

    def _deliver_one(self, entry: OutboxEntry, report: DeliveryReport) -> None:
        # Every update passes here, whatever its format: nothing holding a secret is sent.
        action = f"send this {entry.kind} to {entry.key}"
        self._scanner.refuse(entry.target, f"the {entry.kind}'s target", action)
        # A comment is scanned as the text the PM would read (every word and URL in it).
        text = (
            render_text(Document.from_payload(entry.payload))
            if entry.kind == "comment"
            else entry.payload
        )
        self._scanner.refuse(text, f"the {entry.kind}", action)
        if entry.kind == "transition":
            self._transition(entry, report)
        elif entry.kind == "link":
            self._link(entry, report)
        elif entry.kind == "page":
            self._page(entry, report)
        else:
            self._comment(entry)
            report.delivered += 1
        self._emit(UpdateDelivered(entry.key, entry.kind, entry.target))

    def _transition(self, entry: OutboxEntry, report: DeliveryReport) -> None:
        status = entry.payload
        # Transitions converge on a target status: resending is safe, but check first.
        self._ledger.mark_in_flight(entry.op_id)
        outcome = self._policy.read(lambda: self._tracker.transition(entry.key, status))
        if outcome == "unreachable":
            warning = f"no transition leads {entry.key} to '{status}'; commented anyway"
            self._ledger.mark_skipped(entry.op_id, warning)
            report.warnings.append(warning)
            return
        self._ledger.mark_confirmed(entry.op_id, outcome)
        report.delivered += 1

    def _link(self, entry: OutboxEntry, report: DeliveryReport) -> None:
        url, title = entry.target, entry.payload
        if not isinstance(self._tracker, RemoteLinks):
            self._ledger.mark_skipped(entry.op_id, "this tracker keeps no links")
            return
        tracker = self._tracker
        # The adapter looks for an existing link to the url first, so resending converges.
        self._ledger.mark_in_flight(entry.op_id)
        link_id = self._policy.read(lambda: tracker.add_remote_link(entry.key, url, title))
        self._ledger.mark_confirmed(entry.op_id, link_id)
        report.delivered += 1

    def _page(self, entry: OutboxEntry, report: DeliveryReport) -> None:
        """Publish a dictionary page, then link it from the ticket (each converges on resend)."""
        publisher = self._pages()
        if publisher is None:
            self._ledger.mark_skipped(entry.op_id, "[confluence] is not configured")
            return
        page = DictionaryPage.from_payload(entry.payload)
        # The publisher finds the page by its property before writing: resending is safe,
        # so an in-flight row from a dead process is simply published again.
        self._ledger.mark_in_flight(entry.op_id)
        published = self._policy.read(lambda: publisher.publish_page(page))
        if isinstance(self._tracker, RemoteLinks):
            tracker = self._tracker
            self._policy.read(lambda: tracker.add_remote_link(entry.key, published.url, page.title))
        self._ledger.mark_confirmed(entry.op_id, published.page_id)
        report.delivered += 1

    def _comment(self, entry: OutboxEntry) -> None:
        # Rows queued by older versions hold plain text; from_payload reads both.
        body = Document.from_payload(entry.payload)

        def reconcile() -> str | None:
            return self._policy.read(lambda: self._tracker.find_comment(entry.key, entry.op_id))

        if entry.state is OutboxState.IN_FLIGHT:
            # A previous attempt may have landed before the process died or the line dropped.
            found = reconcile()
            if found is not None:
                self._ledger.mark_confirmed(entry.op_id, found)
                return
        self._ledger.mark_in_flight(entry.op_id)
        remote_id = self._policy.write(
            lambda: self._tracker.add_comment(entry.key, body, entry.op_id), reconcile
        )
        self._ledger.mark_confirmed(entry.op_id, remote_id)
