"""The build tab: every model and test of the last dbt build, failures in red."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from martflow.services.step_results import BuiltNode, build_results, record_of
from martflow.tui.panels.base import TicketPanel

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

NODE_WIDTH = 40
"""dbt's generated test names run to 80+ characters; the other columns must stay in view."""


class BuildPanel(TicketPanel):
    """Node, type, status, time and rows of each node; models first, then tests."""

    TITLE = "Build"
    STEP = "build"
    DEFAULT_CSS = """
    BuildPanel #build-summary {
        padding: 0 1;
    }
    BuildPanel #build-nodes {
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="build-summary", markup=False)
        yield DataTable(id="build-nodes", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#build-nodes", DataTable)
        table.add_column("Node", key="node", width=NODE_WIDTH)
        table.add_column("Type", key="type")
        table.add_column("Status", key="status")
        table.add_column("Time (s)", key="seconds")
        table.add_column("Rows", key="rows")

    def show(self, view: TicketView) -> None:
        results = build_results(record_of(view.steps, "build"))
        self.query_one("#build-summary", Static).update(results.summary)
        table = self.query_one("#build-nodes", DataTable)
        table.clear()
        for node in results.nodes:
            table.add_row(*cells(node), key=f"{node.type}.{node.name}")


def cells(node: BuiltNode) -> tuple[Text, ...]:
    """One table row; Text cells, since a DataTable reads plain strings as markup."""
    style = "red" if node.failing else ""
    rows = f"{node.rows:,}" if node.rows is not None else ""
    return (
        Text(node.name, style=style, overflow="ellipsis", no_wrap=True),
        Text(node.type, style=style),
        Text(node.status, style=style),
        Text(f"{node.seconds:.2f}", style=style, justify="right"),
        Text(rows, style=style, justify="right"),
    )
