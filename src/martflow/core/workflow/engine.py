"""The engine: runs a ticket's steps in order, records them, and delivers their updates."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from martflow.core.document import Document
from martflow.core.models import (
    STEP_NAMES,
    OutboxEntry,
    StepOutcome,
    StepRecord,
    StepState,
    Ticket,
)
from martflow.core.ports import PagePublisher, Tracker
from martflow.core.retry import RetryPolicy
from martflow.core.secret_scan import SecretScanner
from martflow.core.storage import os_fault
from martflow.core.workflow import comments
from martflow.core.workflow.delivery import Delivery, DeliveryReport
from martflow.core.workflow.events import (
    EventSink,
    StepFinished,
    StepProgress,
    StepStarted,
    ignore,
)
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.order import StatusDirection, order_problem
from martflow.errors import (
    AuthenticationError,
    CancelledError,
    ConfigError,
    MartflowError,
    RemoteUnavailableError,
    SpecError,
    StorageError,
    UsageError,
)

_log = logging.getLogger("martflow.engine")
CANCELLED = "cancelled by the user"
"""The detail of a step stopped by the user (it fails, and the tracker is not told)."""
IN_FLIGHT = "in_flight"
"""The artifact under which a step records remote work it started (see StepContext.checkpoint)."""
INTERRUPTED = "interrupted"
"""The detail of a step stopped by Ctrl-C: it fails, the tracker is not told, the run ends."""


@dataclass
class StepContext:
    """What a step function gets: the ticket, earlier steps' artifacts, options, events."""

    key: str
    ticket: Ticket
    pipeline_id: str
    artifacts: dict[str, dict[str, object]]
    options: Mapping[str, object]
    emit: Callable[[str], None]
    secrets: SecretScanner = field(default_factory=SecretScanner)
    """Redacts secrets from ticket text before a step derives names or messages from it."""
    step: str = ""
    checkpoint: Callable[[Mapping[str, str]], None] = lambda _values: None
    """Record remote work in flight (a job id) in the ledger now; an empty value forgets it.

    Kept if the step fails or the process dies, so the next run resumes that work;
    dropped when the step succeeds.
    """

    @property
    def in_flight(self) -> dict[str, str]:
        """What an earlier, unfinished attempt of this step recorded with ``checkpoint``."""
        recorded = self.artifacts.get(self.step, {}).get(IN_FLIGHT)
        return {str(k): str(v) for k, v in recorded.items()} if isinstance(recorded, dict) else {}

    def files(self) -> list[str]:
        """Files the pipeline wrote for this ticket (scaffold's artifacts)."""
        files = self.artifacts.get("scaffold", {}).get("files", [])
        return [str(p) for p in files] if isinstance(files, list) else []


StepFn = Callable[[StepContext], StepOutcome]


@dataclass
class RunReport:
    """The outcome of ``run``: what ran, how it ended, what is still queued.

    ``steps`` and ``outbox`` are the ticket's final state when the run ended (every step,
    in pipeline order, and its tracker updates), so a front end shows the result without
    reading the ledger again.
    """

    key: str
    ran: list[str] = field(default_factory=list)
    failed: str | None = None
    cancelled: bool = False
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    steps: list[StepRecord] = field(default_factory=list)
    outbox: list[OutboxEntry] = field(default_factory=list)

    def state(self, step: str) -> StepState:
        """The final state of ``step``."""
        return next((r.state for r in self.steps if r.name == step), StepState.PENDING)

    @property
    def queued(self) -> bool:
        return bool(self.delivery.unreachable)


class Engine:
    """Runs steps resumably; each step's tracker update goes through the outbox."""

    def __init__(
        self,
        ledger: Ledger,
        tracker: Tracker,
        steps: Mapping[str, StepFn],
        status_for: Callable[[str], str | None],
        *,
        policy: RetryPolicy | None = None,
        on_event: EventSink = ignore,
        scanner: SecretScanner | None = None,
        pages: Callable[[], PagePublisher | None] | None = None,
    ) -> None:
        self.ledger = ledger
        self._tracker = tracker
        self._steps = steps
        self._status_for = status_for
        self._policy = policy or RetryPolicy()
        self._emit = on_event
        self._scanner = scanner or SecretScanner()
        self._delivery = Delivery(
            ledger, tracker, self._policy, on_event, self._scanner, pages=pages
        )

    def run(
        self,
        key: str,
        *,
        from_step: str | None = None,
        until_step: str | None = None,
        only: Sequence[str] | None = None,
        options: Mapping[str, object] | None = None,
        should_stop: Callable[[], bool] | None = None,
        force: bool = False,
    ) -> RunReport:
        """Run the unfinished steps of ``key`` (or ``only`` those), resuming where it stopped.

        ``key`` is resolved to the tracker's spelling first (``demo-1`` is ``DEMO-1``);
        the report's key is that one. ``from_step`` re-runs from that step even if it
        succeeded before. Steps named by ``from_step`` or ``only`` need the steps before
        them to have succeeded, else StepOrderError (nothing is touched) unless ``force``,
        which runs them anyway and says so in the step's detail. A step's status move that
        would take the ticket backwards in the workflow is left out. ``should_stop`` is
        asked before each step; when it answers True the run ends there, cancelled. A step
        the user interrupted (CancelledError) fails and also ends the run cancelled.
        """
        names = self._selection(from_step, until_step, only)
        ticket = self._policy.read(lambda: self._tracker.get_ticket(key))
        key = ticket.key  # the tracker's own spelling: the ledger, git and comments use it
        report = RunReport(key)
        with self.ledger.lock(key):
            records = {r.name: r for r in self.ledger.steps(key)}
            explicit = from_step is not None or bool(only)
            states = {n: r.state for n, r in records.items()}
            problem = order_problem(names, states) if explicit else None
            if problem and not force:
                raise problem
            # Updates queued by an earlier, interrupted run go out first, in order.
            report.delivery = self._delivery.deliver(key)
            if report.delivery.delivered:  # a queued transition may have moved it since
                ticket = self._policy.read(lambda: self._tracker.get_ticket(key))
            direction = self._direction(key, ticket)
            if explicit:
                self.ledger.reset_steps(key, names)
                records = {r.name: r for r in self.ledger.steps(key)}
            for name in names:
                if records[name].state is StepState.SUCCEEDED:
                    continue
                if should_stop is not None and should_stop():
                    report.cancelled = True
                    break
                forced = problem.missing if problem and name == problem.step else []
                record = self._run_step(key, name, ticket, options or {}, direction, forced)
                report.ran.append(name)
                delivery = self._delivery.deliver(key)
                _merge(report.delivery, delivery)
                if record.state is StepState.FAILED:
                    report.failed = name
                    report.cancelled = record.detail == CANCELLED
                    break
            report.steps = self.ledger.steps(key)
            report.outbox = self.ledger.outbox(key)
        return report

    def sync(self, key: str) -> DeliveryReport:
        """Deliver ``key``'s queued updates."""
        with self.ledger.lock(key):
            return self._delivery.deliver(key)

    def _selection(
        self, from_step: str | None, until_step: str | None, only: Sequence[str] | None
    ) -> list[str]:
        for name in (from_step, until_step, *(only or ())):
            if name is not None and name not in STEP_NAMES:
                raise UsageError(f"unknown step '{name}'; steps are {', '.join(STEP_NAMES)}")
        if only:
            return [n for n in STEP_NAMES if n in only]
        start = STEP_NAMES.index(from_step) if from_step else 0
        stop = STEP_NAMES.index(until_step) + 1 if until_step else len(STEP_NAMES)
        if start >= stop:
            raise UsageError(f"--from {from_step} comes after --until {until_step}")
        return list(STEP_NAMES[start:stop])

    def _direction(self, key: str, ticket: Ticket) -> StatusDirection:
        """Where the ticket stands: its status, or where a still-queued transition takes it."""
        queued = [
            e.payload for e in self.ledger.outbox(key, open_only=True) if e.kind == "transition"
        ]
        return StatusDirection.for_steps(
            queued[-1] if queued else ticket.status,
            self._status_for,
            lambda: self._policy.read(self._tracker.statuses),
        )

    def _run_step(
        self,
        key: str,
        name: str,
        ticket: Ticket,
        options: Mapping[str, object],
        direction: StatusDirection,
        forced: Sequence[str] = (),
    ) -> StepRecord:
        self.ledger.mark_running(key, name)
        self._emit(StepStarted(key, name))
        context = StepContext(
            key=key,
            ticket=ticket,
            pipeline_id=self.ledger.pipeline_id(key),
            artifacts={r.name: r.artifacts for r in self.ledger.steps(key)},
            options=options,
            emit=lambda message: self._emit(StepProgress(key, name, message)),
            secrets=self._scanner,
            step=name,
        )
        in_flight = context.in_flight

        def checkpoint(values: Mapping[str, str]) -> None:
            for item, value in values.items():
                if value:
                    in_flight[item] = value
                else:
                    in_flight.pop(item, None)
            self.ledger.save_artifacts(key, name, {IN_FLIGHT: dict(in_flight)})

        context.checkpoint = checkpoint
        stop: BaseException | None = None
        try:
            outcome = self._call(name, context)
        except (ConfigError, AuthenticationError, StorageError) as exc:
            # The user's setup, not the ticket, is at fault: no comment, and the run
            # ends with the one-line error (exit 2) after the step is recorded failed.
            outcome, stop = StepOutcome(ok=False, detail=exc.message), exc
        except KeyboardInterrupt as exc:
            # Ctrl-C: the step is recorded failed (not left "running"), then the run ends.
            outcome, stop = StepOutcome(ok=False, detail=INTERRUPTED), exc
        state = StepState.SUCCEEDED if outcome.ok else StepState.FAILED
        updates, note = self._updates(key, name, outcome, direction)
        detail = outcome.detail
        if forced:
            detail = f"{detail} [forced: {', '.join(forced)} had not succeeded]"
        artifacts = dict(outcome.artifacts)
        if not outcome.ok and in_flight:
            artifacts[IN_FLIGHT] = dict(in_flight)  # the next run resumes it
        self.ledger.finish_step(key, name, state, detail, artifacts, updates, failure_note=note)
        self._emit(StepFinished(key, name, state, detail))
        if stop is not None:
            raise stop
        return self.ledger.step(key, name)

    def _call(self, name: str, context: StepContext) -> StepOutcome:
        step = self._steps.get(name)
        if step is None:
            return StepOutcome(ok=False, detail=f"{name}: not implemented yet")
        try:
            return step(context)
        except (ConfigError, AuthenticationError, StorageError):
            raise
        except OSError as exc:
            fault = os_fault(exc)  # a full disk or a read-only folder: the machine's problem
            if fault is None:
                return self._crashed(name, exc)
            raise fault from None
        except CancelledError:
            return StepOutcome(ok=False, detail=CANCELLED)  # no comment: the user knows
        except RemoteUnavailableError as exc:
            return StepOutcome(ok=False, detail=f"{exc.title}: {exc.message}")
        except MartflowError as exc:
            return StepOutcome(ok=False, detail=exc.message, comment=_failure_comment(name, exc))
        except Exception as exc:  # a bug must leave the step failed, not running
            return self._crashed(name, exc)

    @staticmethod
    def _crashed(name: str, exc: Exception) -> StepOutcome:
        _log.error(
            "step %s crashed: %s: %s (run with -v for the traceback)",
            name,
            type(exc).__name__,
            exc,
        )
        _log.debug("traceback of the %s step", name, exc_info=True)
        return StepOutcome(ok=False, detail=f"{name} crashed: {type(exc).__name__}: {exc}")

    def _updates(
        self, key: str, name: str, outcome: StepOutcome, direction: StatusDirection
    ) -> tuple[list[tuple[str, str, str]], str]:
        """The (kind, target, payload) rows to queue, and the step's new failure note."""
        updates: list[tuple[str, str, str]] = []
        if outcome.ok:
            status = self._status_for(name)
            if status and direction.advance(status):
                updates.append(("transition", status, status))
            elif status:
                # A re-run must not undo the PM's view of progress (Done back to In Review).
                self._emit(
                    StepProgress(
                        key, name, f"status stays {direction.current}: not back to {status}"
                    )
                )
            if outcome.comment:
                updates.append(("comment", key, outcome.comment.to_payload()))
            if outcome.link:
                updates.append(("link", *outcome.link))
            if outcome.page:
                updates.append(("page", "confluence", outcome.page))
            return updates, ""
        # A failure is told once: the same failure on a re-run does not comment again.
        note = outcome.comment.to_payload() if outcome.comment else ""
        if note and note != self.ledger.failure_note(key, name):
            updates.append(("comment", key, note))
        return updates, note


def _failure_comment(step: str, error: MartflowError) -> Document:
    if isinstance(error, SpecError):
        return comments.spec_invalid(error.problems)
    return comments.step_failed(step, error.title, error.public_message)


def _merge(into: DeliveryReport, other: DeliveryReport) -> None:
    into.delivered += other.delivered
    into.failed += other.failed
    into.errors.extend(other.errors)
    into.warnings.extend(other.warnings)
    into.queued = other.queued
    into.unreachable = other.unreachable
