"""The Textual app: screens, global keys, the outbox bar, and one place errors become dialogs.

The first frame needs only the ticket list: every other screen, dialog and panel is
imported when it is first opened, so `martflow` draws its list about as fast as Textual
itself starts (tests/test_import_hygiene.py holds the list of what must wait).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from martflow.errors import MartflowError
from martflow.tui.keys import keymap
from martflow.tui.messages import ErrorRaised, QueueChanged, SyncFinished
from martflow.tui.screens.tickets import TicketListScreen
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.worker_errors import show_worker_error

if TYPE_CHECKING:
    from martflow.context import AppContext


class MartflowApp(App[int]):
    """martflow's terminal UI: tickets -> ticket -> steps, with the tracker kept in sync."""

    TITLE = "martflow"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Keys", id="help"),
        Binding("s", "sync", "Sync", id="sync"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.queued = 0
        self.unreachable = ""
        self.syncing = False

    def on_mount(self) -> None:
        self.title = f"martflow · {self.context.project.root.name}"
        # The list goes first so a bad `[keys]` entry's dialog opens on top of it.
        self.push_screen(TicketListScreen())
        remaps = keymap(self.context.config.keys.model_extra or {})
        self.set_keymap(remaps.keys)
        if remaps.problems:
            # The other remaps apply; each refused entry is named.
            self.show_error("Configuration error", "\n".join(remaps.problems))
        self.count_queued()

    # -- errors -----------------------------------------------------------------------

    def show_error(self, title: str, message: str) -> None:
        """Open the error dialog (from the UI thread)."""
        from martflow.tui.dialogs.error import ErrorDialog

        self.push_screen(ErrorDialog(title, message))

    def on_error_raised(self, message: ErrorRaised) -> None:
        self.show_error(message.title, message.message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own workers; screens and panels forward theirs (worker_errors.py).
        if event.state is WorkerState.ERROR:
            show_worker_error(self, event.worker)

    # -- the outbox -------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="outbox-count")
    def count_queued(self, unreachable: str = "") -> None:
        """Re-read how many tracker updates wait (after a run or a sync), and why if known."""
        from martflow.services.outbox import queued_updates

        self.post_message(QueueChanged(queued_updates(self.context), unreachable))

    def on_queue_changed(self, message: QueueChanged) -> None:
        self.queued = message.queued
        self.unreachable = message.unreachable or (self.unreachable if message.queued else "")
        self.refresh_outbox_bars()

    def refresh_outbox_bars(self) -> None:
        """Every screen's outbox bar shows the app's current count."""
        for screen in self.screen_stack:
            for bar in screen.query(OutboxBar):
                bar.queued, bar.unreachable, bar.syncing = (
                    self.queued,
                    self.unreachable,
                    self.syncing,
                )

    def action_sync(self) -> None:
        if self.syncing:
            return
        self.syncing = True
        self.refresh_outbox_bars()
        self.sync_updates()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def sync_updates(self) -> None:
        """Deliver every queued tracker update (``martflow sync``)."""
        from martflow.services.outbox import SyncReport, sync_all

        report = SyncReport(queued=-1)
        try:
            report = sync_all(self.context)
        except MartflowError as exc:
            self.post_message(ErrorRaised(exc.title, exc.message))
        finally:
            # Even a crash (shown by the worker handler) must end "syncing" and recount.
            self.post_message(SyncFinished(report))

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.syncing = False
        report = message.report
        if report.queued >= 0:
            self.post_message(QueueChanged(report.queued, report.unreachable))
            text = f"{report.delivered} delivered, {report.failed} failed, {report.queued} queued"
            self.notify(text, title="Sync", severity="warning" if report.queued else "information")
        else:
            self.count_queued()
        self.refresh_outbox_bars()

    # -- help and the command palette ---------------------------------------------------

    def action_help(self) -> None:
        from martflow.tui.dialogs.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        """Quit; during a run, ask first, then cancel it and quit once it has wound down."""
        running = [s for s in self.screen_stack if getattr(s, "running", False)]
        if not running:
            self.exit()
            return
        from martflow.tui.dialogs.confirm import ConfirmDialog

        screen = running[0]
        step = getattr(screen, "running_step", None) or "a step"
        question = ConfirmDialog(
            "Quit during a run?",
            f"{step} is running. Quitting cancels the run (the step is recorded as cancelled "
            "and can be run again) and then closes martflow.",
            "Cancel and quit",
            danger=True,
        )

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                cancel: Callable[[], None] = getattr(screen, "cancel_then_quit")  # noqa: B009
                cancel()  # the ticket screen's (imported lazily, so not named here)

        self.push_screen(question, answered)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # Textual's key panel: "Key bindings" below lists them
                yield command
        yield SystemCommand("Sync", "Deliver queued tracker updates", self.action_sync)
        yield SystemCommand("Key bindings", "List every key and its binding id", self.action_help)
        commands = getattr(screen, "commands", None)  # the ticket screen's step commands
        if callable(commands):
            yield from commands()
