"""A yes/no question before something that cannot be taken back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from martflow.tui.dialogs.base import MartflowDialog


class ConfirmDialog(MartflowDialog[bool]):
    """Dismisses with True when the user confirms, False on cancel."""

    FRAME_ID = "confirm-dialog"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, title: str, message: str, confirm: str, *, danger: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.confirm = confirm
        self.danger = danger

    def compose_body(self) -> ComposeResult:
        yield Static(self.message, id="confirm-message", markup=False)

    def compose_buttons(self) -> ComposeResult:
        if self.danger:
            yield Button(f"{self.confirm} (y)", id="confirm-yes", variant="error")
        else:
            yield Button(f"{self.confirm} (y)", id="confirm-yes", variant="primary")
        yield Button("Cancel (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
