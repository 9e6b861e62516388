"""The ticket screen: what was asked, the pipeline's steps with live state, each step's view.

The dialogs that come before a step (scaffold preview, commit, publish, run all) are
awaited here, in worker methods: a dialog only returns its answer, this screen acts on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, RichLog, Static, TabbedContent, TabPane

from martflow.core.models import STEP_NAMES, StepState
from martflow.core.safe_text import visible
from martflow.errors import MartflowError
from martflow.services.step_results import record_of
from martflow.tui.dialogs.commit import CommitDialog
from martflow.tui.dialogs.confirm import ConfirmDialog
from martflow.tui.dialogs.confirm_publish import ConfirmPublishDialog
from martflow.tui.dialogs.lint_fix import LintFixDialog
from martflow.tui.dialogs.scaffold_preview import ScaffoldPreviewDialog
from martflow.tui.messages import ErrorRaised, TicketViewLoaded
from martflow.tui.panels import PANELS
from martflow.tui.panels.preview import PreviewPanel
from martflow.tui.screens.spec_editor import SpecEditorScreen
from martflow.tui.screens.ticket_runs import PipelineRuns, now
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.widgets.source_tree import SourceTree
from martflow.tui.widgets.steps import StepList
from martflow.tui.worker_errors import error_text

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

__all__ = ["TicketScreen", "now"]

NARROW_SCREEN = 100
"""Below this width the steps pane shrinks to icon and name (app.tcss)."""
FLOW = "step-flow"
"""The worker group of the flows that wait for a dialog's answer."""

TAB_KEYS = [Binding(str(n), f"show_tab({n})", show=False) for n in range(1, len(PANELS) + 1)]


class TicketScreen(PipelineRuns):
    """One ticket, walked step by step. Work runs in workers; the screen never blocks."""

    BINDINGS = [
        Binding("escape", "back", "Tickets", id="back"),
        Binding("n", "run_next", "Run next", id="run_next"),
        Binding("a", "run_all", "Run all", id="run_all"),
        Binding("x", "cancel", "Cancel", id="cancel"),
        Binding("r", "reload", "Reload", show=False, id="reload"),
        Binding("e", "edit_spec", "Edit spec", id="edit_spec"),
        Binding("f", "lint_fix", "Fix lint", id="lint_fix"),
        Binding("p", "preview_mart", "Preview", id="preview_mart"),
        *TAB_KEYS,
    ]
    KEYED: ClassVar[list[type]] = [
        SpecEditorScreen,
        SourceTree,
        ConfirmPublishDialog,
        ScaffoldPreviewDialog,
        CommitDialog,
        ConfirmDialog,
        LintFixDialog,
    ]
    """Other classes whose bindings are remappable from `[keys]` (dialogs opened from here)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.key} · loading…", id="ticket-title", markup=False)
        with Horizontal(id="ticket-body"):
            yield StepList(id="steps")
            with TabbedContent(id="views"):
                for panel in PANELS:
                    # Titles without their number key: at 80 columns every tab must fit.
                    with TabPane(panel.TITLE, id=f"tab-{panel.ID}"):
                        yield panel(id=panel.ID)
        yield RichLog(id="log", markup=False, wrap=True, max_lines=2000)
        yield OutboxBar(id="outbox")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(StepList).focus()
        self.load_view()

    def on_screen_resume(self) -> None:
        self.martflow.refresh_outbox_bars()

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_SCREEN
        self.set_class(narrow, "-narrow")
        # Below 100 columns the palette's hint would push the screen's own keys and `? Keys`
        # off the footer; ctrl+p still opens it, and the keys dialog says so.
        self.query_one(Footer).show_command_palette = not narrow

    # -- loading ----------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load_view()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-view")
    def load_view(self, failed: str | None = None) -> None:
        from martflow.services.tickets import ticket_view

        try:
            view = ticket_view(self.martflow.context, self.key)
        except MartflowError as exc:
            self.post_message(ErrorRaised(exc.title, error_text(exc)))
            return
        self.post_message(TicketViewLoaded(view, failed))

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
            self.query_one(f"#{panel.ID}", panel).show(view)
        self.refresh_bindings()
        if message.failed:
            self.show_failure(view, message.failed)

    # -- which keys apply now -----------------------------------------------------------

    def unavailable(self, action: str) -> str | None:
        """Why ``action`` cannot be done now (its key is greyed), or None when it can."""
        states = self.query_one(StepList).states
        if action in ("run_next", "run_all", "lint_fix", "edit_spec") and self.running:
            return f"{self.running_step or 'A step'} is running; press x to cancel it."
        if action == "cancel" and not self.running:
            return "Nothing is running."
        if action == "lint_fix" and states["scaffold"] is not StepState.SUCCEEDED:
            return "Nothing to fix yet: run the scaffold step first."
        if action == "lint_fix" and states["lint"] is StepState.SUCCEEDED:
            return "Lint is clean: nothing to fix (Enter on lint lints again)."
        if action == "preview_mart" and states["build"] is not StepState.SUCCEEDED:
            return "Nothing to preview yet: run the build step first."
        if action in ("run_next", "run_all") and self.query_one(StepList).next_step is None:
            return "Every step has succeeded."
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden from the footer while it does not apply (80 columns must show `? Keys`).
        if not self.is_mounted or not self.query(StepList):
            return True
        return not self.unavailable(action)

    def on_key(self, event: events.Key) -> None:
        """A key that does not apply now says why; nothing runs, nothing is recorded."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            reason = self.unavailable(binding.action)
            if reason:
                event.stop()
                event.prevent_default()
                self.notify(reason, title=self.key, timeout=3)
                return

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

    def action_run_step(self, name: str) -> None:
        """Run one step; scaffold, commit and publish first ask in their dialog."""
        if self.refuse_if_running() or self.refuse_if_out_of_order([name]):
            return
        flows = {
            "scaffold": self.scaffold_flow,
            "commit": self.commit_flow,
            "publish": self.publish_flow,
        }
        flow = flows.get(name)
        if flow is not None:
            flow()
        else:
            self.start_run([name], {})

    @work(exclusive=True, exit_on_error=False, group=FLOW)
    async def run_all_flow(self) -> None:
        """Run every remaining step, asking once first if that would commit or publish."""
        steps = self.query_one(StepList)
        remaining = [n for n in STEP_NAMES if steps.states[n] is not StepState.SUCCEEDED]
        final = [n for n in ("commit", "publish") if n in remaining]
        if final:
            question = ConfirmDialog(
                f"Run all remaining steps of {self.key}?",
                f"This runs {', '.join(remaining)} without stopping to ask: it will "
                f"{' and '.join(final)} with the defaults (no preview of the files, "
                "the generated commit message). Run one step at a time (n) to see each first.",
                "Run all",
            )
            if not await self.app.push_screen_wait(question):
                return
        self.start_run(None, {})

    def action_run_all(self) -> None:
        if not self.refuse_if_running():
            self.run_all_flow()

    @work(exclusive=True, exit_on_error=False, group=FLOW)
    async def scaffold_flow(self) -> None:
        """Preview the plan; Write (or Overwrite, or Run anyway) runs the scaffold step."""
        dialog = ScaffoldPreviewDialog(self.martflow.context, self.key)
        options = await self.app.push_screen_wait(dialog)
        if options is not None:
            self.start_run(["scaffold"], options)

    @work(exclusive=True, exit_on_error=False, group=FLOW)
    async def commit_flow(self) -> None:
        """Show what will be committed and let the message be edited; Commit runs the step."""
        from martflow.core.workflow.committing import commit_message
        from martflow.services.commit_preview import commit_files

        view = self.view
        if view is None:
            self.notify("The ticket is still loading.")
            return
        context = self.martflow.context
        files = commit_files(context, view)
        if not files:
            self.notify("Nothing to commit yet: run the scaffold step first.", severity="warning")
            return
        git = context.config.git
        message = commit_message(view.ticket.key, view.ticket.summary)
        dialog = CommitDialog(view.ticket.key, files, message, push=git.push, remote=git.remote)
        options = await self.app.push_screen_wait(dialog)
        if options is not None:
            self.start_run(["commit"], options)

    @work(exclusive=True, exit_on_error=False, group=FLOW)
    async def publish_flow(self) -> None:
        """Say what will be published and where; Publish runs the publish step."""
        view = self.view
        if view is None or view.spec is None:
            self.start_run(["publish"], {})  # the step reports why the spec does not validate
            return
        spec, key, context = view.spec, view.ticket.key, self.martflow.context

        def locate() -> str:
            try:
                result = context.publisher().publish(spec, key, dry_run=True)
            except MartflowError as exc:
                return f"Cannot tell where it will publish: {exc.message}"
            return f"It will publish to {result.location}"

        # Behind the dialog, the mart itself: what is about to be published.
        self.query_one("#views", TabbedContent).active = f"tab-{PreviewPanel.ID}"
        dialog = ConfirmPublishDialog(
            key, spec.dashboard or spec.mart, publish_contents(view), locate
        )
        if await self.app.push_screen_wait(dialog):
            self.start_run(["publish"], {})

    # -- tabs, lint fix, preview, spec ----------------------------------------------------

    def action_show_tab(self, number: int) -> None:
        """Number keys switch tabs (1 is the Ticket tab)."""
        if 1 <= number <= len(PANELS):
            self.query_one("#views", TabbedContent).active = f"tab-{PANELS[number - 1].ID}"

    def action_lint_fix(self) -> None:
        """Show the Lint tab and what sqlfluff would fix; Apply writes it and lints again."""
        if not self.refuse_if_running() and not self.refuse_if_out_of_order(["lint"]):
            self.query_one("#views", TabbedContent).active = "tab-lint"
            self.lint_fix_flow()

    @work(exclusive=True, exit_on_error=False, group=FLOW)
    async def lint_fix_flow(self) -> None:
        """Preview the fixes in a dialog; nothing is written unless the user applies them."""
        from martflow.services.lint_fix import preview_ticket_fixes

        context, key = self.martflow.context, self.key
        self.log_line(f"asking sqlfluff what it would fix in {key}'s models")
        fixes = await asyncio.to_thread(preview_ticket_fixes, context, key)
        if not fixes:
            self.notify("sqlfluff has nothing it can fix in these models.", title=key)
            return
        if not await self.app.push_screen_wait(LintFixDialog(key, fixes)):
            self.notify("Lint fix cancelled: no file was changed.", title=key, timeout=3)
            return
        report = await asyncio.to_thread(context.linter().apply_fixes, fixes)
        self.log_line(f"lint fix: {report.fixed} fixed in {', '.join(report.changed)}")
        # The lint step records the result on the fixed files, counting what was fixed.
        self.start_run(["lint"], {"fix": False, "fixed_before": report.fixed})

    def action_preview_mart(self) -> None:
        """Show the Preview tab and (re)load the mart's first rows and charts."""
        views = self.query_one("#views", TabbedContent)
        if views.active == f"tab-{PreviewPanel.ID}":
            self.query_one(f"#{PreviewPanel.ID}", PreviewPanel).action_preview()
        else:
            views.active = f"tab-{PreviewPanel.ID}"  # showing the tab loads it

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_edit_spec(self) -> None:
        """Open the spec editor; the view reloads when it closes (the spec may have changed)."""

        def reload(_closed: None) -> None:
            self.load_view()

        self.app.push_screen(SpecEditorScreen(self.key), reload)

    # -- the command palette --------------------------------------------------------------

    def commands(self) -> Iterable[SystemCommand]:
        """Palette entries for this ticket, each action once."""
        key = self.key
        yield SystemCommand(f"Run next step of {key}", "Run one step", self.action_run_next)
        yield SystemCommand(
            f"Run all remaining steps of {key}",
            "Asks before commit or publish",
            self.action_run_all,
        )
        for name in STEP_NAMES:
            yield SystemCommand(
                f"Run {name} ({key})",
                f"Run only the {name} step",
                partial(self.action_run_step, name),
            )
        yield SystemCommand("Cancel the run", "Stop after the current step", self.action_cancel)
        yield SystemCommand(f"Edit spec of {key}", "Open the spec editor", self.action_edit_spec)
        yield SystemCommand("Fix lint", "Re-run lint with sqlfluff's fixes", self.action_lint_fix)
        yield SystemCommand("Preview the mart", "First rows and charts", self.action_preview_mart)
        yield SystemCommand("Reload the ticket", "Read it again", self.action_reload)


def publish_contents(view: TicketView) -> str:
    """What will be published: the mart, its rows at the last build, the dashboard."""
    spec = view.spec
    if spec is None:
        return ""
    build = record_of(view.steps, "build")
    rows = build.artifacts.get("mart_rows") if build is not None else None
    counted = f" ({rows:,} rows at the last build)" if isinstance(rows, int) else ""
    lines = [
        f"Workbook  {spec.dashboard or spec.mart}",
        f"Data      {spec.mart_model}{counted}",
        "The Preview tab behind this dialog shows its first rows and charts.",
    ]
    return "\n".join(lines)
