"""The error dialog: a title and an actionable message, dismissed with Enter or Escape."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from martflow.core.safe_text import visible


class ErrorDialog(ModalScreen[None]):
    """Shows one failure; nothing behind it is lost."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="close_dialog")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.error_title = title
        self.error_message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog"):
            yield Label(self.error_title, id="error-title", classes="dialog-title", markup=False)
            shown = visible(self.error_message, keep_newlines=True, keep_tabs=True)
            yield Static(shown, id="error-message", markup=False)
            yield Button("OK", id="error-ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#error-ok", Button).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()
