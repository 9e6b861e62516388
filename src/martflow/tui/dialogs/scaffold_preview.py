"""The scaffold preview: each file the step would write, its action and diff; write or cancel."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.syntax import Syntax
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.message import Message
from textual.widgets import Button, DataTable, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from martflow.core.safe_text import visible
from martflow.tui.dialogs.base import MartflowDialog

if TYPE_CHECKING:
    from martflow.context import AppContext
    from martflow.core.models import PlannedFile, ScaffoldPlan

LEXERS = {".sql": "sql", ".yml": "yaml", ".yaml": "yaml", ".md": "markdown"}
ScaffoldOptions = dict[str, object]


class ScaffoldPreviewDialog(MartflowDialog[ScaffoldOptions | None]):
    """Loads the plan in a worker; dismisses with the step's options, or None on cancel.

    Conflicting files (not written by martflow, or edited since) are only overwritten
    when the user picks Overwrite, which adds ``force``.
    """

    FRAME_ID = "scaffold-dialog"
    DEFAULT_CSS = """
    ScaffoldPreviewDialog #scaffold-dialog { width: 95%; max-width: 160; height: 1fr; }
    ScaffoldPreviewDialog .dialog-body { height: 1fr; max-height: 1fr; }
    ScaffoldPreviewDialog #scaffold-summary.-conflict { color: $error; }
    ScaffoldPreviewDialog #scaffold-files { height: auto; max-height: 8; }
    ScaffoldPreviewDialog #scaffold-file-title { margin-top: 1; color: $text-muted; }
    ScaffoldPreviewDialog #scaffold-diff-scroll {
        height: 1fr; min-height: 4; border: round $primary 50%;
    }
    ScaffoldPreviewDialog #scaffold-diff { width: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="close_dialog"),
        Binding("w", "write", "Write files", id="scaffold_write"),
        Binding("o", "overwrite", "Overwrite", id="scaffold_overwrite"),
    ]

    class PlanLoaded(Message):
        """The scaffolder answered with the plan."""

        def __init__(self, plan: ScaffoldPlan) -> None:
            super().__init__()
            self.plan = plan

    def __init__(self, context: AppContext, key: str) -> None:
        super().__init__()
        self.context = context
        self.key = key
        self.title_text = f"Scaffold {key}"
        self.plan: ScaffoldPlan | None = None

    @property
    def conflicts(self) -> list[PlannedFile]:
        return [f for f in self.plan.files if f.action == "conflict"] if self.plan else []

    def compose_body(self) -> ComposeResult:
        yield Static("Reading the source tables' columns…", id="scaffold-summary", markup=False)
        yield LoadingIndicator(id="scaffold-loading")
        yield DataTable(id="scaffold-files", cursor_type="row", zebra_stripes=True)
        yield Static("", id="scaffold-file-title", markup=False)
        with ScrollableContainer(id="scaffold-diff-scroll"):
            yield Static("", id="scaffold-diff")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Write", id="scaffold-confirm", variant="primary", disabled=True)
        yield Button("Cancel (esc)", id="scaffold-cancel")

    def on_mount(self) -> None:
        table = self.query_one("#scaffold-files", DataTable)
        table.add_column("Action", key="action", width=9)
        table.add_column("File", key="path")
        table.display = False
        self.load_plan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="scaffold-plan")
    def load_plan(self) -> None:
        """Read the columns and plan (the dbt worker may take seconds to start)."""
        from martflow.services.scaffold_preview import scaffold_plan

        self.post_message(self.PlanLoaded(scaffold_plan(self.context, self.key)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A plan that cannot be made (invalid spec, missing table) closes the preview;
        # ForwardsWorkerErrors shows why in the error dialog.
        if event.state is WorkerState.ERROR and event.worker.group == "scaffold-plan":
            self.dismiss(None)

    def on_scaffold_preview_dialog_plan_loaded(self, message: PlanLoaded) -> None:
        plan = self.plan = message.plan
        self.query_one("#scaffold-loading").display = False
        table = self.query_one("#scaffold-files", DataTable)
        table.display = True
        for planned in plan.files:
            table.add_row(planned.action, planned.path, key=planned.path)
        summary = self.query_one("#scaffold-summary", Static)
        summary.update(plan_summary(plan))
        summary.set_class(bool(self.conflicts), "-conflict")
        confirm = self.query_one("#scaffold-confirm", Button)
        confirm.disabled = False
        if self.conflicts:
            count = len(self.conflicts)
            confirm.label = f"Overwrite {count} file{'s' if count > 1 else ''} (o)"
            confirm.variant = "error"
        elif not plan.changes:
            confirm.label, confirm.variant = "Run anyway (w)", "default"
        else:
            confirm.label = f"Write {len(plan.changes)} files (w)"
        self.refresh_bindings()
        table.focus()
        if plan.files:
            self.show_file(plan.files[0])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.plan is not None:
            path = str(event.row_key.value)
            self.show_file(next(f for f in self.plan.files if f.path == path))

    def show_file(self, planned: PlannedFile) -> None:
        """The file's diff; the whole content for a new or unchanged file."""
        title, code = file_view(planned)
        self.query_one("#scaffold-file-title", Static).update(title)
        self.query_one("#scaffold-diff", Static).update(code)
        self.query_one("#scaffold-diff-scroll").scroll_home(animate=False)

    # -- choices ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write":
            return self.plan is not None and not self.conflicts
        if action == "overwrite":
            return bool(self.conflicts)
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "scaffold-cancel":
            self.action_cancel()
        elif self.conflicts:
            self.action_overwrite()
        else:
            self.action_write()

    def action_write(self) -> None:
        if self.plan is not None and not self.conflicts:
            self.dismiss({})

    def action_overwrite(self) -> None:
        if self.conflicts:
            self.dismiss({"force": True})

    def action_cancel(self) -> None:
        self.dismiss(None)


MAX_GOVERNANCE_LINES = 6


def plan_summary(plan: ScaffoldPlan) -> str:
    """One line per concern: the counts, then what a conflict or an empty plan means, then
    what governed staging does (PII treated, flags and categories cleaned)."""
    text = _counts_summary(plan)
    if plan.governance:
        shown = list(plan.governance[:MAX_GOVERNANCE_LINES])
        if len(plan.governance) > MAX_GOVERNANCE_LINES:
            shown.append(f"... and {len(plan.governance) - MAX_GOVERNANCE_LINES} more")
        text += "\nStaging: " + "\n         ".join(visible(line) for line in shown)
    return text


def _counts_summary(plan: ScaffoldPlan) -> str:
    counts: Counter[str] = Counter(f.action for f in plan.files)
    order = ("create", "update", "conflict", "unchanged")
    line = f"{len(plan.files)} files: " + ", ".join(f"{counts[a]} {a}" for a in order if counts[a])
    conflicts = counts["conflict"]
    if conflicts:
        return (
            f"{line}\n{conflicts} file(s) were not written by martflow or were edited since. "
            "Overwrite (o) replaces them with the generated version; Cancel (Esc) keeps them."
        )
    if not plan.changes:
        return f"{line}\nNothing to change: every file is up to date. Run anyway records the step."
    return f"{line}. Write (w) writes them; Cancel (Esc) writes nothing."


def file_view(planned: PlannedFile) -> tuple[str, Syntax]:
    """A title line and the highlighted text to show for one planned file."""
    lexer = next((v for k, v in LEXERS.items() if planned.path.endswith(k)), "text")
    # Bidi and zero-width characters are shown escaped: the reviewer sees what is written.
    content = visible(planned.content, keep_newlines=True, keep_tabs=True)
    if planned.action == "create":
        lines = planned.content.count("\n") + 1
        title = f"{planned.path} - new file, {lines} lines"
        return title, Syntax(content, lexer, theme="ansi_dark", line_numbers=True)
    if planned.action == "unchanged":
        title = f"{planned.path} - unchanged"
        return title, Syntax(content, lexer, theme="ansi_dark", line_numbers=True)
    title = f"{planned.path} - {planned.action}: diff against the file on disk"
    diff = visible(planned.diff, keep_newlines=True, keep_tabs=True)
    return title, Syntax(diff, "diff", theme="ansi_dark")
