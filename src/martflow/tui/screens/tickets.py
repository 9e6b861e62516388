"""The ticket list: key, status, pipeline progress and summary, filtered as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from martflow.core.safe_text import visible
from martflow.errors import MartflowError
from martflow.tui.messages import TicketsFailed, TicketsLoaded
from martflow.tui.screens.base import MartflowScreen
from martflow.tui.widgets.fitted_table import Col, FittedTable
from martflow.tui.widgets.outbox import OutboxBar

if TYPE_CHECKING:
    from martflow.services.tickets import TicketRow

COLUMNS = (
    Col("key", "Key"),
    Col("status", "Status"),
    Col("progress", "Progress"),
    Col("summary", "Summary", flex=True, min_width=12),
)


class TicketListScreen(MartflowScreen[None]):
    """Every ticket from the tracker; Enter opens one."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="filter"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TicketRow] = []
        self.loads = 0
        """How many listings were started; messages of an older one are dropped."""
        self.loading = False
        self.return_to: str | None = None
        """The ticket to highlight again once a reload brings it back."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter tickets by key, status or summary  (/)", id="filter")
        yield Static("Loading tickets…", id="status-line")
        yield FittedTable(id="tickets", zebra_stripes=True)
        yield OutboxBar(id="outbox")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#tickets", FittedTable)
        table.fill(COLUMNS, [])
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

    def load_tickets(self) -> None:
        """List the tickets again: the first page shows at once, the rest as it comes."""
        self.loads += 1
        self.return_to = self.current_key()
        self.read_pages(self.loads)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tickets")
    def read_pages(self, load: int) -> None:
        from martflow.services.tickets import ticket_row_pages

        worker = get_current_worker()
        first = True
        try:
            for rows in ticket_row_pages(self.martflow.context):
                if worker.is_cancelled:
                    return
                self.post_message(TicketsLoaded(load, rows, first=first, complete=False))
                first = False
        except MartflowError as exc:
            self.post_message(TicketsFailed(load, exc.message))
            return
        except Exception as exc:  # shown in place: the app never crashes on a tracker error
            self.post_message(TicketsFailed(load, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(TicketsLoaded(load, [], first=first, complete=True))

    def on_tickets_loaded(self, message: TicketsLoaded) -> None:
        if message.load != self.loads:
            return  # a refresh replaced that listing
        self.loading = not message.complete
        if message.first:
            self.rows = list(message.rows)
            self.show_rows()
        else:
            self.rows.extend(message.rows)
            self.show_rows()

    def on_tickets_failed(self, message: TicketsFailed) -> None:
        if message.load != self.loads:
            return
        self.loading = False
        shown = f" ({len(self.rows)} shown)" if self.rows else ""
        self.query_one("#status-line", Static).update(
            f"Could not load tickets{shown}: {message.error}"
        )

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.show_rows()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one("#tickets", DataTable).focus()

    def show_rows(self) -> None:
        """Fill the table with the rows matching the filter, measured again; keep the cursor
        on its ticket (or on the one a reload is bringing back)."""
        table = self.query_one("#tickets", FittedTable)
        current = self.return_to or self.current_key()
        words = self.words()
        shown = [row for row in self.rows if _matches(row, words)]
        table.fill(COLUMNS, [(row.key, _cells(row)) for row in shown])
        if current and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
            if current == self.return_to:
                self.return_to = None
        status = _count(table.row_count, len(self.rows), words)
        if self.loading:
            status += ", loading more…"
        self.query_one("#status-line", Static).update(status)

    def words(self) -> list[str]:
        return self.query_one("#filter", Input).value.lower().split()

    def current_key(self) -> str | None:
        """The key of the highlighted ticket, if any."""
        table = self.query_one("#tickets", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from martflow.tui.screens.ticket import TicketScreen

        self.app.push_screen(TicketScreen(str(event.row_key.value)))


def _cells(row: TicketRow) -> tuple[Text, ...]:
    # Text, not str: a DataTable parses str cells as markup; summaries are untrusted.
    cells = (row.key, visible(row.status), row.progress, visible(row.summary))
    return tuple(Text(cell) for cell in cells)


def _matches(row: TicketRow, words: list[str]) -> bool:
    text = f"{row.key} {row.status} {row.summary}".lower()
    return all(word in text for word in words)


def _count(shown: int, total: int, words: list[str]) -> str:
    if not total:
        return "No tickets yet: `martflow tickets create` files one"
    if words:
        return f"{shown} of {total} tickets match"
    return f"{total} tickets" if total != 1 else "1 ticket"
