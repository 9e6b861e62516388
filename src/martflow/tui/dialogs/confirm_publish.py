"""Before publishing: what will be published, where it goes, and a question to confirm."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Button, Static

from martflow.tui.dialogs.base import MartflowDialog

Locate = Callable[[], str]
"""Says where the workbook will go (a dry run of the publisher); called in a worker."""


class ConfirmPublishDialog(MartflowDialog[bool]):
    """Publish or cancel; the destination is found by ``locate`` in a worker."""

    FRAME_ID = "publish-dialog"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_publish"),
        Binding("ctrl+s", "publish", "Publish", id="publish_confirm"),
    ]
    DEFAULT_CSS = """
    ConfirmPublishDialog #publish-location { margin-top: 1; }
    """

    class Located(Message):
        """The publisher said where the workbook would go (or why it cannot tell)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, key: str, what: str, contents: str, locate: Locate) -> None:
        super().__init__()
        self.key = key
        self.title_text = f"Publish {key}: {what}?"
        self.contents = contents
        self.locate_with = locate

    def compose_body(self) -> ComposeResult:
        yield Static(self.contents, id="publish-contents", markup=False)
        yield Static("Finding where it will publish…", id="publish-location", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Publish (ctrl+s)", id="publish-confirm", variant="primary")
        yield Button("Cancel (esc)", id="publish-cancel")

    def on_mount(self) -> None:
        self.query_one("#publish-confirm", Button).focus()
        self.locate()

    @work(thread=True, exclusive=True, exit_on_error=False, group="publish-location")
    def locate(self) -> None:
        self.post_message(self.Located(self.locate_with()))

    def on_confirm_publish_dialog_located(self, message: Located) -> None:
        self.query_one("#publish-location", Static).update(message.text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "publish-confirm")

    def action_publish(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
