"""The ticket screen's runs: start a run in a worker, show its progress, end it cleanly.

``PipelineRuns`` is the half of ``TicketScreen`` that drives the engine; the screen adds
the layout, the keys and the dialogs that come before a step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import RichLog, TabbedContent
from textual.worker import Worker, get_current_worker

from martflow.core.models import StepState
from martflow.core.safe_text import visible
from martflow.core.workflow.events import (
    Event,
    StepFinished,
    StepProgress,
    StepStarted,
    UpdateDelivered,
    UpdateFailed,
    UpdateQueued,
)
from martflow.core.workflow.order import order_problem
from martflow.errors import MartflowError, StepOrderError
from martflow.tui.messages import (
    ErrorRaised,
    PipelineEvent,
    PipelineFinished,
    StepRefused,
    TicketViewLoaded,
)
from martflow.tui.panels import PANELS
from martflow.tui.screens.base import MartflowScreen
from martflow.tui.screens.failure import failure_text
from martflow.tui.widgets.steps import StepList
from martflow.tui.worker_errors import error_text

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

COUNTER = re.compile(r"^(\d+) of (\d+) ")
"""dbt's progress lines start "4 of 9 START …" / "4 of 9 OK …"."""


def now() -> datetime:
    """The log pane's clock (snapshot tests pin it)."""
    return datetime.now()


class PipelineRuns(MartflowScreen[None]):
    """Runs steps of ``self.key`` in a worker; one run at a time."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.view: TicketView | None = None
        self.run_worker_: Worker[None] | None = None
        self.running_step: str | None = None
        self.quit_after_run = False

    @property
    def running(self) -> bool:
        """True from start_run until the run's PipelineFinished arrives.

        Not the worker's state: Textual marks a cancelled worker finished at once, while
        the engine thread still winds down holding the ticket's lock.
        """
        return self.run_worker_ is not None

    def refuse_if_running(self) -> bool:
        if self.running:
            self.notify(f"{self.running_step or 'A step'} is running; press x to cancel it.")
            return True
        return False

    def refuse_if_out_of_order(self, only: list[str] | None) -> bool:
        """Say, as a notice, why a step cannot run yet; nothing is recorded as failed.

        The engine checks again (the list may be a moment old) and the worker shows its
        refusal the same way.
        """
        if self.view is None:  # the list is not loaded yet: the engine decides
            return False
        problem = order_problem(only or [], self.query_one(StepList).states)
        if problem is None:
            return False
        self.notify(problem.reason, title=self.key, severity="warning")
        return True

    def start_run(self, only: list[str] | None, options: Mapping[str, object]) -> None:
        """Run ``only`` those steps (None: every remaining one) in a worker."""
        if self.refuse_if_running() or self.refuse_if_out_of_order(only):
            return
        what = ", ".join(only) if only else "every remaining step"
        self.log_line(f"running {what}")
        self.run_worker_ = self.run_steps(only, dict(options))
        self.refresh_bindings()

    @work(thread=True, exit_on_error=False, group="pipeline")
    def run_steps(self, only: list[str] | None, options: dict[str, object]) -> None:
        worker = get_current_worker()
        context = self.martflow.context

        def forward(event: Event) -> None:
            self.post_message(PipelineEvent(event))

        engine = context.engine(on_event=forward)
        report = None
        try:
            report = engine.run(
                self.key, only=only, options=options, should_stop=lambda: worker.is_cancelled
            )
        except StepOrderError as exc:
            self.post_message(StepRefused(exc.reason))
        except MartflowError as exc:
            self.post_message(ErrorRaised(exc.title, error_text(exc)))
        finally:
            self.post_message(PipelineFinished(self.key, report))

    def action_cancel(self) -> None:
        if not self.running or self.run_worker_ is None:
            self.notify("Nothing is running.")
            return
        self.run_worker_.cancel()
        if self.running_step == "build":
            self.log_line("cancelling: stopping dbt…")
        else:
            self.log_line(f"cancelling: the run stops after {self.running_step or 'this step'}…")
        self.martflow.context.interrupt()

    def cancel_then_quit(self) -> None:
        """Cancel the run; the app exits once the engine has wound down."""
        self.quit_after_run = True
        self.action_cancel()

    def on_step_refused(self, message: StepRefused) -> None:
        self.log_line(message.reason)
        self.notify(message.reason, title=self.key, severity="warning")

    def on_pipeline_event(self, message: PipelineEvent) -> None:
        self.show_event(message.event)

    def show_event(self, event: Event) -> None:
        steps = self.query_one(StepList)
        if isinstance(event, StepStarted):
            self.running_step = event.step
            steps.start(event.step)
            self.clear_panels_of(event.step)
            self.log_line(f"{event.step}: started")
        elif isinstance(event, StepProgress):
            counter = COUNTER.match(event.message)
            if counter:
                steps.count(event.step, int(counter[1]), int(counter[2]))
            self.log_line(f"{event.step}: {event.message}")
        elif isinstance(event, StepFinished):
            self.running_step = None
            steps.set_state(event.step, event.state, event.detail)
            self.log_line(f"{event.step}: {event.state.value} - {event.detail}")
            self.focus_panel_for(event.step)
        elif isinstance(event, UpdateDelivered):
            self.log_line(f"tracker: {event.kind} delivered ({event.target})")
        elif isinstance(event, UpdateQueued):
            self.log_line(f"tracker: {event.kind} queued - {event.reason}")
        elif isinstance(event, UpdateFailed):
            self.log_line(f"tracker: {event.kind} FAILED - {event.reason}")

    def on_pipeline_finished(self, message: PipelineFinished) -> None:
        self.running_step = None
        self.run_worker_ = None
        self.refresh_bindings()
        if self.quit_after_run:
            self.app.exit()
            return
        report = message.report
        failed = report.failed if report and not report.cancelled else None
        if report is not None and self.view is not None:
            # The report carries the final states: no second read of the ledger.
            from martflow.services.tickets import view_after_run

            self.post_message(TicketViewLoaded(view_after_run(self.view, report), failed))
        else:
            self.load_view(failed=failed)
        self.martflow.count_queued(report.delivery.unreachable if report else "")
        if report is None:
            return
        if report.cancelled:
            self.log_line("run cancelled")
            self.notify("Run cancelled.", title=self.key)
        elif report.delivery.errors:
            self.martflow.show_error("The tracker refused an update", report.delivery.errors[0])
        elif report.queued:
            self.notify(
                f"Tracker unreachable; {report.delivery.queued} update(s) queued. Press s to sync.",
                severity="warning",
            )

    def show_failure(self, view: TicketView, step: str) -> None:
        """A failed step's dialog: the cause in full and what to do next (lint: its tab)."""
        record = next((r for r in view.steps if r.name == step), None)
        if record is None or record.state is not StepState.FAILED:
            return
        if step == "lint" and record.artifacts.get("violations"):
            self.notify("Lint found violations: see the Lint tab; f fixes what it can.")
            return
        self.martflow.show_error(f"The {step} step failed", failure_text(view, record))

    def load_view(self, failed: str | None = None) -> object:
        """Read the ticket again (the screen implements it)."""
        raise NotImplementedError

    def clear_panels_of(self, step: str) -> None:
        """The tabs of ``step`` forget the last run while it runs again."""
        for panel in PANELS:
            if step == panel.STEP:
                self.query_one(f"#{panel.ID}", panel).clear_for_run(f"The {step} step is running…")

    def focus_panel_for(self, step: str) -> None:
        """Switch to the tab that shows ``step``'s results, if there is one."""
        for panel in PANELS:
            if step == panel.STEP:
                self.query_one("#views", TabbedContent).active = f"tab-{panel.ID}"

    def log_line(self, text: str) -> None:
        """Append a timestamped line to the log pane."""
        # Details and progress quote ticket text and tool output: escapes shown, not run.
        self.query_one("#log", RichLog).write(f"{now():%H:%M:%S}  {visible(text)}")
