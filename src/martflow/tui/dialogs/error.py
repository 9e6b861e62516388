"""The error dialog: a title and an actionable message, dismissed with Enter or Escape."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from martflow.core.safe_text import visible
from martflow.tui.dialogs.base import MartflowDialog


class ErrorDialog(MartflowDialog[None]):
    """Shows one failure (its cause in full, then what to do next); nothing behind it is lost."""

    FRAME_ID = "error-dialog"
    DEFAULT_CSS = """
    ErrorDialog #error-dialog { border: thick $error; }
    """
    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="close_dialog")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = self.error_title = title
        self.error_message = message

    def compose_body(self) -> ComposeResult:
        shown = visible(self.error_message, keep_newlines=True, keep_tabs=True)
        yield Static(shown, id="error-message", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("OK", id="error-ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#error-ok", Button).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()
