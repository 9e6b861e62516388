"""Before publishing: show the mart's preview, say where the workbook goes, ask to confirm."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TabbedContent

from martflow.errors import MartflowError
from martflow.tui.panels.preview import PreviewPanel
from martflow.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from martflow.core.models import TicketSpec
    from martflow.tui.app import MartflowApp
    from martflow.tui.screens.ticket import TicketScreen


class ConfirmPublishDialog(ForwardsWorkerErrors, ModalScreen[bool]):
    """Publish or cancel; the destination is found by a dry run in a worker."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_publish")]
    DEFAULT_CSS = """
    ConfirmPublishDialog #publish-location {
        margin-bottom: 1;
    }
    ConfirmPublishDialog #publish-buttons {
        height: auto;
    }
    ConfirmPublishDialog #publish-buttons Button {
        margin-right: 2;
    }
    """

    class Located(Message):
        """The publisher said where the workbook would go (or why it cannot tell)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, spec: TicketSpec, key: str) -> None:
        super().__init__()
        self.spec = spec
        self.key = key

    def compose(self) -> ComposeResult:
        title = f"Publish {self.key}: {self.spec.dashboard or self.spec.mart}?"
        with Vertical(id="publish-dialog", classes="dialog"):
            yield Label(title, id="publish-title", classes="dialog-title", markup=False)
            yield Static(
                f"The preview behind this dialog shows what {self.spec.mart_model} holds.",
                markup=False,
            )
            yield Static("Finding where it will publish…", id="publish-location", markup=False)
            with Horizontal(id="publish-buttons"):
                yield Button("Publish", id="publish-confirm", variant="primary")
                yield Button("Cancel", id="publish-cancel")

    def on_mount(self) -> None:
        self.query_one("#publish-confirm", Button).focus()
        self.locate()

    @work(thread=True, exclusive=True, exit_on_error=False, group="publish-location")
    def locate(self) -> None:
        # mypy: Textual types self.app as App[object]
        app: MartflowApp = self.app  # type: ignore[assignment]
        try:
            # publisher() stops the dbt worker (DuckDB allows one writer): fine before a publish.
            result = app.context.publisher().publish(self.spec, self.key, dry_run=True)
        except MartflowError as exc:
            self.post_message(self.Located(f"Cannot tell where it will publish: {exc.message}"))
            return
        self.post_message(self.Located(f"It will publish to {result.location}"))

    def on_confirm_publish_dialog_located(self, message: Located) -> None:
        self.query_one("#publish-location", Static).update(message.text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "publish-confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


def publish_flow(screen: TicketScreen) -> None:
    """Show the Preview tab, then confirm; Publish runs the publish step."""
    view = screen.view
    if view is None or view.spec is None:
        screen.start_run(["publish"], {})  # the step reports why the spec does not validate
        return
    tabs = screen.query_one("#views", TabbedContent)
    tabs.active = f"tab-{PreviewPanel.__name__.lower()}"

    def answered(publish: bool | None) -> None:
        if publish:
            screen.start_run(["publish"], {})

    screen.app.push_screen(ConfirmPublishDialog(view.spec, view.ticket.key), answered)
