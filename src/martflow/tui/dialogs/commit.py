"""The commit dialog: the files the pipeline wrote, an editable message, push or not."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static, Switch, TextArea

from martflow.core.workflow.committing import commit_message
from martflow.errors import UsageError
from martflow.tui.dialogs.base import MartflowDialog

CommitOptions = dict[str, object]


class CommitDialog(MartflowDialog[CommitOptions | None]):
    """Dismisses with the commit step's options (``message``, ``push``), or None on cancel."""

    FRAME_ID = "commit-dialog"
    DEFAULT_CSS = """
    CommitDialog #commit-file-list { color: $text-muted; margin-bottom: 1; }
    CommitDialog #commit-message { height: 5; }
    CommitDialog #commit-problem { color: $error; height: auto; }
    CommitDialog #commit-push-row { height: auto; margin-top: 1; }
    CommitDialog #commit-push-row Label { padding: 1 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="close_dialog"),
        Binding("ctrl+s", "commit", "Commit", id="commit_confirm"),
    ]

    def __init__(
        self, key: str, files: Sequence[str], message: str, *, push: bool, remote: str
    ) -> None:
        super().__init__()
        self.key = key
        self.title_text = f"Commit {key}"
        self.files = list(files)
        self.message = message
        self.push = push
        self.remote = remote

    def compose_body(self) -> ComposeResult:
        yield Label("Message (Ctrl+S commits):")
        yield TextArea(self.message, id="commit-message", soft_wrap=True)
        yield Static("", id="commit-problem", markup=False)
        with Horizontal(id="commit-push-row"):
            yield Switch(self.push, id="commit-push")
            yield Label(f"Push to {self.remote} after committing", markup=False)
        yield Label(f"{len(self.files)} files the pipeline wrote:")
        yield Static("\n".join(self.files), id="commit-file-list", markup=False)

    def compose_buttons(self) -> ComposeResult:
        yield Button("Commit (ctrl+s)", id="commit-confirm", variant="primary")
        yield Button("Cancel (esc)", id="commit-cancel")

    def on_mount(self) -> None:
        area = self.query_one("#commit-message", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "commit-confirm":
            self.action_commit()
        else:
            self.action_cancel()

    def action_commit(self) -> None:
        text = self.query_one("#commit-message", TextArea).text
        try:
            # The step checks the message again; checking here keeps the dialog open to fix it.
            message = commit_message(self.key, "", {"message": text})
        except UsageError as exc:
            self.query_one("#commit-problem", Static).update(exc.message)
            return
        self.dismiss({"message": message, "push": self.query_one("#commit-push", Switch).value})

    def action_cancel(self) -> None:
        self.dismiss(None)
