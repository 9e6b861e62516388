"""The build tab: every model and data check of the last dbt build, failures in red."""

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
    """Node, type, status, time and rows of each node; models first, then the data checks
    (tests and source freshness) in words with their results, as the build comment has them."""

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
    style = "red" if node.failing else "yellow" if node.status == "warn" else ""
    rows = f"{node.rows:,}" if node.rows is not None else ""
    # A failing check says what it found after its words: the status column stays short.
    found = node.result.partition(": ")[2]
    name = f"{node.check}: {found}" if node.check and found else node.check or node.name
    return (
        Text(name, style=style),
        Text(node.type, style=style),
        Text(node.status, style=style),
        Text(f"{node.seconds:.2f}", style=style, justify="right"),
        Text(rows, style=style, justify="right"),
    )
