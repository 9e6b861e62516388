"""The frame every dialog shares: a title, a body that scrolls, buttons that always show,
and a footer with the dialog's own keys. Dialogs only return values (``dismiss``); the
screen that opened one decides what happens next."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

from martflow.tui.worker_errors import ForwardsWorkerErrors

ResultT = TypeVar("ResultT")


class MartflowDialog(ForwardsWorkerErrors, ModalScreen[ResultT]):
    """Subclasses give ``title_text``, ``compose_body()`` and ``compose_buttons()``."""

    FRAME_ID = "dialog"
    """The frame's id (CSS hooks and tests find a dialog by it)."""

    DEFAULT_CSS = """
    MartflowDialog { align: center middle; }
    MartflowDialog .dialog {
        width: 80%;
        max-width: 110;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $primary;
        background: $surface;
    }
    MartflowDialog .dialog-title { text-style: bold; margin-bottom: 1; width: 1fr; }
    MartflowDialog .dialog-body { height: auto; }
    MartflowDialog .dialog-buttons { height: auto; margin-top: 1; dock: bottom; }
    MartflowDialog .dialog-buttons Button { margin-right: 2; }
    """

    title_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id=self.FRAME_ID, classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield from self.compose_body()
            with Horizontal(classes="dialog-buttons"):
                yield from self.compose_buttons()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        """The dialog's content (it scrolls when the terminal is short)."""
        yield from ()

    def compose_buttons(self) -> ComposeResult:
        """The dialog's buttons (always on screen, under the body)."""
        yield from ()
