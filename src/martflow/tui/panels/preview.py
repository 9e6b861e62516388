"""The preview tab: the built mart's first rows and a chart of each measure, before publishing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from martflow.core.models import StepState, TicketSpec
from martflow.errors import MartflowError
from martflow.tui.panels.base import TicketPanel
from martflow.tui.screens.base import host_of
from martflow.tui.widgets.measure_chart import MeasureChart

if TYPE_CHECKING:
    from martflow.services.mart_preview import MartPreview
    from martflow.services.tickets import TicketView

Token = tuple[str, object]
"""What a loaded preview shows: the mart model and when its build finished."""

NO_SPEC = "No valid spec yet: fix it on the Ticket tab, then press p."
NOT_BUILT = "The mart is not built yet: run the build step first."
RUNNING = "A run is in progress; the preview loads when it ends."


class PreviewPanel(TicketPanel):
    """What the dashboard will show. Loads in a worker when the tab is shown, or on p."""

    ID = "preview"
    TITLE = "Preview"
    DEFAULT_CSS = """
    PreviewPanel #preview-status {
        padding: 0 1;
        color: $text-muted;
    }
    PreviewPanel #preview-rows {
        height: auto;
        max-height: 12;
        margin-bottom: 1;
    }
    PreviewPanel #preview-charts {
        height: auto;
    }
    """

    class Loaded(Message):
        """The mart's rows were read."""

        def __init__(self, preview: MartPreview, token: Token) -> None:
            super().__init__()
            self.preview = preview
            self.token = token

    class Failed(Message):
        """The mart could not be read."""

        def __init__(self, reason: str, token: Token) -> None:
            super().__init__()
            self.reason = reason
            self.token = token

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: TicketView | None = None
        self.token: Token | None = None
        self.visible_now = False

    def compose(self) -> ComposeResult:
        yield Static("", id="preview-status", markup=False)
        with VerticalScroll(id="preview-body"):
            yield DataTable(id="preview-rows", zebra_stripes=True, cursor_type="row")
            yield Vertical(id="preview-charts")

    # -- when to load -------------------------------------------------------------------

    def show(self, view: TicketView) -> None:
        self.view = view
        if self.visible_now:
            self.request(force=False)

    def on_show(self, _event: events.Show) -> None:
        self.visible_now = True
        self.request(force=False)

    def on_hide(self, _event: events.Hide) -> None:
        self.visible_now = False

    def action_preview(self) -> None:
        self.request(force=True)

    def request(self, force: bool) -> None:
        """Start a load unless the shown preview is current (or cannot be had yet)."""
        view = self.view
        if view is None:
            return
        build = next((r for r in view.steps if r.name == "build"), None)
        if view.spec is None or build is None or build.state is not StepState.SUCCEEDED:
            self.token = None
            self.show_message(NO_SPEC if view.spec is None else NOT_BUILT)
            return
        token: Token = (view.spec.mart_model, build.finished)
        if token == self.token and not force:
            return
        if getattr(self.screen, "running", False):
            # The publish step needs the warehouse to itself; a preview would hold it.
            self.show_message(RUNNING)
            return
        self.token = token
        self.set_status(f"Reading the first rows of {view.spec.mart_model}…")
        self.load(view.spec, token)

    @work(thread=True, exclusive=True, exit_on_error=False, group="mart-preview")
    def load(self, spec: TicketSpec, token: Token) -> None:
        from martflow.services.mart_preview import mart_preview

        context = host_of(self).context
        try:
            preview = mart_preview(context, spec)
        except MartflowError as exc:
            self.post_message(self.Failed(exc.message, token))
            return
        self.post_message(self.Loaded(preview, token))

    # -- showing ------------------------------------------------------------------------

    async def on_preview_panel_loaded(self, message: Loaded) -> None:
        if message.token != self.token:
            return  # an older load finished after a newer one started
        preview = message.preview
        table = self.query_one("#preview-rows", DataTable)
        table.clear(columns=True)
        table.add_columns(*preview.columns)
        table.add_rows([[_cell(v) for v in row] for row in preview.rows])
        charts = self.query_one("#preview-charts", Vertical)
        await charts.remove_children()
        await charts.mount_all(MeasureChart(s, id=f"chart-{s.measure}") for s in preview.charts)
        basis = "all rows" if preview.complete else f"the first {preview.sampled} rows"
        drawn = f"charts from {basis}" if preview.charts else "no measures to chart"
        self.set_status(
            f"{preview.model}: the first {len(preview.rows)} rows; {drawn}. Press p to reload."
        )

    def on_preview_panel_failed(self, message: Failed) -> None:
        if message.token != self.token:
            return
        self.token = None
        self.show_message(f"Preview failed: {message.reason}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # An unexpected crash: the app shows the error dialog; the tab must not say "Reading…".
        if event.worker.group == "mart-preview" and event.state is WorkerState.ERROR:
            self.token = None
            self.show_message("Preview failed (see the error). Press p to try again.")

    def set_status(self, text: str) -> None:
        self.query_one("#preview-status", Static).update(text)

    def show_message(self, status: str) -> None:
        """Show ``status`` instead of a preview."""
        self.set_status(status)
        self.query_one("#preview-rows", DataTable).clear(columns=True)
        self.query_one("#preview-charts", Vertical).remove_children()


def _cell(value: object) -> Text:
    # Warehouse values are data: Text is never parsed as markup.
    return Text("null", style="dim") if value is None else Text(str(value))
