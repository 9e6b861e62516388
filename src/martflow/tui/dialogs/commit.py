"""The commit dialog: the files the pipeline wrote, an editable message, push or not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, Switch, TextArea

from martflow.core.workflow.steps import commit_message
from martflow.errors import UsageError

if TYPE_CHECKING:
    from martflow.tui.app import MartflowApp
    from martflow.tui.screens.ticket import TicketScreen

CommitOptions = dict[str, object]


class CommitDialog(ModalScreen[CommitOptions | None]):
    """Dismisses with the commit step's options (``message``, ``push``), or None on cancel."""

    DEFAULT_CSS = """
    #commit-dialog { max-height: 90%; }
    #commit-files { height: auto; max-height: 8; margin-bottom: 1; color: $text-muted; }
    #commit-message { height: 5; }
    #commit-problem { color: $error; height: auto; }
    #commit-push-row { height: auto; margin-top: 1; }
    #commit-push-row Label { padding: 1 1; }
    #commit-buttons { height: auto; margin-top: 1; }
    #commit-buttons Button { margin-right: 2; }
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
        self.files = list(files)
        self.message = message
        self.push = push
        self.remote = remote

    def compose(self) -> ComposeResult:
        with Vertical(id="commit-dialog", classes="dialog"):
            yield Label(f"Commit {self.key}", classes="dialog-title")
            yield Label(f"{len(self.files)} files the pipeline wrote:")
            with VerticalScroll(id="commit-files"):
                yield Static("\n".join(self.files), id="commit-file-list", markup=False)
            yield Label("Message (Ctrl+S commits):")
            yield TextArea(self.message, id="commit-message", soft_wrap=True)
            yield Static("", id="commit-problem", markup=False)
            with Horizontal(id="commit-push-row"):
                yield Switch(self.push, id="commit-push")
                yield Label(f"Push to {self.remote} after committing", markup=False)
            with Horizontal(id="commit-buttons"):
                yield Button("Commit", id="commit-confirm", variant="primary")
                yield Button("Cancel", id="commit-cancel")

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


def commit_flow(screen: TicketScreen) -> None:
    """Show what will be committed and let the message be edited; Commit runs the step."""
    from martflow.services.commit_preview import commit_files

    view = screen.view
    if view is None:
        screen.notify("The ticket is still loading.")
        return
    # mypy: Textual types screen.app as App[object]
    app: MartflowApp = screen.app  # type: ignore[assignment]
    files = commit_files(app.context, view)
    if not files:
        screen.notify("Nothing to commit yet: run the scaffold step first.", severity="warning")
        return
    git = app.context.config.git
    message = commit_message(view.ticket.key, view.ticket.summary)

    def answered(options: CommitOptions | None) -> None:
        if options is not None:
            screen.start_run(["commit"], options)

    dialog = CommitDialog(view.ticket.key, files, message, push=git.push, remote=git.remote)
    app.push_screen(dialog, answered)
