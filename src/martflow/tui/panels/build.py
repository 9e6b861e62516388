"""The build tab: every model and test of the last dbt build, failures in red."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from martflow.services.step_results import BuiltNode, build_results, record_of
from martflow.tui.panels.base import ResultsPanel
from martflow.tui.widgets.fitted_table import Col, Row

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView


class BuildPanel(ResultsPanel):
    """Node, type, status, time and rows of each node; models first, then tests."""

    ID = "build"
    TITLE = "Build"
    STEP = "build"
    COLUMNS = (
        # dbt's generated test names run to 80+ characters: the node name gives way.
        Col("node", "Node", flex=True),
        Col("type", "Type"),
        Col("status", "Status"),
        Col("seconds", "Time (s)"),
        Col("rows", "Rows"),
    )

    def results(self, view: TicketView) -> tuple[str, Sequence[Row]]:
        results = build_results(record_of(view.steps, "build"))
        return results.summary, [(f"{n.type}.{n.name}", cells(n)) for n in results.nodes]


def cells(node: BuiltNode) -> tuple[Text, ...]:
    """One table row; numbers right-aligned and never cut."""
    style = "red" if node.failing else ""
    rows = f"{node.rows:,}" if node.rows is not None else ""
    return (
        Text(node.name, style=style),
        Text(node.type, style=style),
        Text(node.status, style=style),
        Text(f"{node.seconds:.2f}", style=style, justify="right"),
        Text(rows, style=style, justify="right"),
    )
