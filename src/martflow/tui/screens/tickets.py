"""The ticket list: key, status, pipeline progress and summary, filtered as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from martflow.core.safe_text import visible
from martflow.errors import MartflowError
from martflow.tui.messages import TicketsFailed, TicketsLoaded
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from martflow.services.tickets import TicketRow
    from martflow.tui.app import MartflowApp


class TicketListScreen(ForwardsWorkerErrors, Screen[None]):
    """Every ticket from the tracker; Enter opens one."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="filter"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TicketRow] = []

    @property
    def martflow(self) -> MartflowApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter tickets by key, status or summary  (/)", id="filter")
        yield Static("Loading tickets…", id="status-line")
        yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield OutboxBar(id="outbox")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#tickets", DataTable)
        table.add_column("Key", key="key")
        table.add_column("Status", key="status")
        table.add_column("Progress", key="progress")
        table.add_column("Summary", key="summary")
        table.focus()
        self.load_tickets()

    def on_screen_resume(self) -> None:
        # Back from a ticket: its progress may have moved.
        if self.rows:
            self.load_tickets()
        self.martflow.refresh_outbox_bars()

    def action_refresh(self) -> None:
        self.load_tickets()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one("#tickets", DataTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="tickets")
    def load_tickets(self) -> None:
        from martflow.services.tickets import ticket_rows

        try:
            rows = ticket_rows(self.martflow.context)
        except MartflowError as exc:
            self.post_message(TicketsFailed(exc.message))
            return
        except Exception as exc:  # shown in place: the app never crashes on a tracker error
            self.post_message(TicketsFailed(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(TicketsLoaded(rows))

    def on_tickets_loaded(self, message: TicketsLoaded) -> None:
        self.rows = message.rows
        self.show_rows()

    def on_tickets_failed(self, message: TicketsFailed) -> None:
        self.query_one("#status-line", Static).update(f"Could not load tickets: {message.error}")

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.show_rows()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one("#tickets", DataTable).focus()

    def show_rows(self) -> None:
        """Fill the table with the rows matching the filter; keep the cursor on its ticket."""
        table = self.query_one("#tickets", DataTable)
        current = self.current_key()
        words = self.query_one("#filter", Input).value.lower().split()
        shown = [row for row in self.rows if _matches(row, words)]
        table.clear()
        for row in shown:
            # Text, not str: a DataTable parses str cells as markup, and summaries are untrusted.
            cells = (row.key, visible(row.status), row.progress, visible(row.summary))
            table.add_row(*(Text(cell) for cell in cells), key=row.key)
        if current and any(row.key == current for row in shown):
            table.move_cursor(row=table.get_row_index(current))
        self.query_one("#status-line", Static).update(_count(len(shown), len(self.rows), words))

    def current_key(self) -> str | None:
        """The key of the highlighted ticket, if any."""
        table = self.query_one("#tickets", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from martflow.tui.screens.ticket import TicketScreen

        self.app.push_screen(TicketScreen(str(event.row_key.value)))


def _matches(row: TicketRow, words: list[str]) -> bool:
    text = f"{row.key} {row.status} {row.summary}".lower()
    return all(word in text for word in words)


def _count(shown: int, total: int, words: list[str]) -> str:
    if not total:
        return "No tickets yet: `martflow tickets create` files one"
    if words:
        return f"{shown} of {total} tickets match"
    return f"{total} tickets" if total != 1 else "1 ticket"
