"""The ticket screen: what was asked, the pipeline's steps with live state, each step's view."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, RichLog, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from martflow.core.models import STEP_NAMES, StepState
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
from martflow.tui.dialogs.commit import CommitDialog
from martflow.tui.dialogs.confirm_publish import ConfirmPublishDialog
from martflow.tui.dialogs.scaffold_preview import ScaffoldPreviewDialog
from martflow.tui.messages import (
    ErrorRaised,
    PipelineEvent,
    PipelineFinished,
    StepRefused,
    TicketViewLoaded,
)
from martflow.tui.panels import PANELS
from martflow.tui.panels.preview import PreviewPanel
from martflow.tui.screens.spec_editor import SpecEditorScreen
from martflow.tui.step_flows import STEP_FLOWS
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.widgets.source_tree import SourceTree
from martflow.tui.widgets.steps import StepList
from martflow.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView
    from martflow.tui.app import MartflowApp


def now() -> datetime:
    """The log pane's clock (snapshot tests pin it)."""
    return datetime.now()


class TicketScreen(ForwardsWorkerErrors, Screen[None]):
    """One ticket, walked step by step. Work runs in workers; the screen never blocks."""

    BINDINGS = [
        Binding("escape", "back", "Tickets", id="back"),
        Binding("n", "run_next", "Run next", id="run_next"),
        Binding("a", "run_all", "Run all", id="run_all"),
        Binding("x", "cancel", "Cancel", id="cancel"),
        Binding("r", "reload", "Reload", id="reload"),
        Binding("e", "edit_spec", "Edit spec", id="edit_spec"),
        Binding("f", "lint_fix", "Fix lint", id="lint_fix"),
        Binding("p", "preview_mart", "Preview", id="preview_mart"),
    ]
    KEYED: ClassVar[list[type]] = [
        SpecEditorScreen,
        SourceTree,
        ConfirmPublishDialog,
        ScaffoldPreviewDialog,
        CommitDialog,
    ]
    """Other classes whose bindings are remappable from `[keys]` (dialogs opened from here)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.view: TicketView | None = None
        self.run_worker_: Worker[None] | None = None
        self.running_step: str | None = None

    @property
    def martflow(self) -> MartflowApp:
        # mypy: Textual types self.app as App[object]
        return self.app  # type: ignore[return-value]

    @property
    def running(self) -> bool:
        """True from start_run until the run's PipelineFinished arrives.

        Not the worker's state: Textual marks a cancelled worker finished at once, while
        the engine thread still winds down holding the ticket's lock.
        """
        return self.run_worker_ is not None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.key} · loading…", id="ticket-title", markup=False)
        with Horizontal(id="ticket-body"):
            yield StepList(id="steps")
            with TabbedContent(id="views"):
                for panel in PANELS:
                    with TabPane(panel.TITLE, id=f"tab-{panel.__name__.lower()}"):
                        yield panel(id=panel.__name__.lower())
        yield RichLog(id="log", markup=False, wrap=True, max_lines=2000)
        yield OutboxBar(id="outbox")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StepList).focus()
        self.load_view()

    def on_screen_resume(self) -> None:
        self.martflow.refresh_outbox_bars()

    # -- loading ----------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load_view()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-view")
    def load_view(self) -> None:
        from martflow.services.tickets import ticket_view

        try:
            view = ticket_view(self.martflow.context, self.key)
        except MartflowError as exc:
            self.post_message(ErrorRaised(exc.title, exc.message))
            return
        self.post_message(TicketViewLoaded(view))

    def on_ticket_view_loaded(self, message: TicketViewLoaded) -> None:
        view = self.view = message.view
        ticket = view.ticket
        self.key = ticket.key  # the tracker's spelling, whatever the screen was opened with
        self.query_one("#ticket-title", Static).update(
            visible(f"{ticket.key} · {ticket.status} · {ticket.summary}")
        )
        if not self.running:
            self.query_one(StepList).show_records(view.steps)
        for panel in PANELS:
            self.query_one(f"#{panel.__name__.lower()}", panel).show(view)

    # -- running steps ----------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, StepList):
            self.action_run_step(str(event.row_key.value))

    def action_run_next(self) -> None:
        step = self.query_one(StepList).next_step
        if step is None:
            self.notify("Every step has succeeded.", title=self.key)
            return
        self.action_run_step(step)

    def action_run_all(self) -> None:
        self.start_run(None, {})

    def action_run_step(self, name: str) -> None:
        """Run one step; scaffold and commit first show their dialog (see step_flows)."""
        if self.refuse_if_running() or self.refuse_if_out_of_order([name]):
            return
        flow = STEP_FLOWS.get(name)
        if flow is not None:
            flow(self)
        else:
            self.start_run([name], {})

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
            self.post_message(ErrorRaised(exc.title, exc.message))
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

    def on_step_refused(self, message: StepRefused) -> None:
        self.log_line(message.reason)
        self.notify(message.reason, title=self.key, severity="warning")

    def on_pipeline_event(self, message: PipelineEvent) -> None:
        self.show_event(message.event)

    def show_event(self, event: Event) -> None:
        steps = self.query_one(StepList)
        if isinstance(event, StepStarted):
            self.running_step = event.step
            steps.set_state(event.step, StepState.RUNNING, "")
            self.log_line(f"{event.step}: started")
        elif isinstance(event, StepProgress):
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
        report = message.report
        self.load_view()
        self.martflow.count_queued(report.delivery.unreachable if report else "")
        if report is None:
            return
        if report.cancelled:
            self.log_line("run cancelled")
        elif report.failed:
            detail = self.query_one(StepList).details.get(report.failed, "")
            self.martflow.show_error(f"The {report.failed} step failed", detail)
        elif report.delivery.errors:
            self.martflow.show_error("The tracker refused an update", report.delivery.errors[0])
        elif report.queued:
            self.notify(
                f"Tracker unreachable; {report.delivery.queued} update(s) queued. Press s to sync.",
                severity="warning",
            )

    def focus_panel_for(self, step: str) -> None:
        """Switch to the tab that shows ``step``'s results, if there is one."""
        for panel in PANELS:
            if step == panel.STEP:
                self.query_one("#views", TabbedContent).active = f"tab-{panel.__name__.lower()}"

    def log_line(self, text: str) -> None:
        """Append a timestamped line to the log pane."""
        # Details and progress quote ticket text and tool output: escapes shown, not run.
        self.query_one("#log", RichLog).write(f"{now():%H:%M:%S}  {visible(text)}")

    def action_lint_fix(self) -> None:
        """Re-run lint with sqlfluff's fixes, and show the Lint tab."""
        self.query_one("#views", TabbedContent).active = "tab-lintpanel"
        self.start_run(["lint"], {"fix": True})

    def action_preview_mart(self) -> None:
        """Show the Preview tab and (re)load the mart's first rows and charts."""
        views = self.query_one("#views", TabbedContent)
        if views.active == "tab-previewpanel":
            self.query_one("#previewpanel", PreviewPanel).action_preview()
        else:
            views.active = "tab-previewpanel"  # showing the tab loads it

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_edit_spec(self) -> None:
        """Open the spec editor; the view reloads when it closes (the spec may have changed)."""

        def reload(_: object) -> None:
            self.load_view()

        self.app.push_screen(SpecEditorScreen(self.key), reload)

    # -- the command palette --------------------------------------------------------------

    def commands(self) -> Iterable[SystemCommand]:
        """Palette entries for this ticket: run next, all, each step; cancel."""
        yield SystemCommand(f"Run next step of {self.key}", "Run one step", self.action_run_next)
        yield SystemCommand(
            f"Run all remaining steps of {self.key}", "Resume the pipeline", self.action_run_all
        )
        for name in STEP_NAMES:
            yield SystemCommand(
                f"Run {name} ({self.key})",
                f"Run only the {name} step",
                lambda name=name: self.action_run_step(name),
            )
        yield SystemCommand("Cancel the run", "Stop after the current step", self.action_cancel)
