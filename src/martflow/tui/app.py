"""The Textual app shell: the ticket list, loaded in a worker so the first frame is fast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from martflow.core.models import Ticket
from martflow.tui.messages import TicketsFailed, TicketsLoaded

if TYPE_CHECKING:
    from martflow.context import AppContext


class MartflowApp(App[int]):
    """martflow's terminal UI."""

    TITLE = "martflow"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading tickets…", id="status-line")
        yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#tickets", DataTable)
        table.add_columns("Key", "Status", "Summary")
        self.load_tickets()

    def action_refresh(self) -> None:
        self.load_tickets()

    @work(thread=True, exclusive=True, exit_on_error=False, group="tickets")
    def load_tickets(self) -> None:
        try:
            tickets = self.context.tracker.list_tickets(self.context.config.tracker.jql or None)
        except Exception as exc:  # shown in the UI; the app never crashes on a tracker error
            self.post_message(TicketsFailed(str(exc)))
            return
        self.post_message(TicketsLoaded(tickets))

    def on_tickets_loaded(self, message: TicketsLoaded) -> None:
        table = self.query_one("#tickets", DataTable)
        table.clear()
        for ticket in message.tickets:
            table.add_row(ticket.key, ticket.status, ticket.summary, key=ticket.key)
        self.query_one("#status-line", Static).update(_count(message.tickets))

    def on_tickets_failed(self, message: TicketsFailed) -> None:
        self.query_one("#status-line", Static).update(f"Could not load tickets: {message.error}")


def _count(tickets: list[Ticket]) -> str:
    return f"{len(tickets)} tickets" if tickets else "No tickets yet: `martflow tickets create`"
