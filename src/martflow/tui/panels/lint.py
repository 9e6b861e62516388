"""The lint tab: sqlfluff's findings of the last lint run, and a key to fix them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from martflow.services.step_results import lint_results, record_of
from martflow.tui.panels.base import TicketPanel

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

FILE_WIDTH = 40
"""Model paths can be long; the message must stay in view (the file name is at the end)."""


class LintPanel(TicketPanel):
    """File, line, rule and message of each violation; ``f`` re-runs lint with fix."""

    TITLE = "Lint"
    STEP = "lint"
    DEFAULT_CSS = """
    LintPanel #lint-summary {
        padding: 0 1;
    }
    LintPanel #lint-findings {
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="lint-summary", markup=False)
        yield DataTable(id="lint-findings", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#lint-findings", DataTable)
        table.add_column("File", key="file", width=FILE_WIDTH)
        table.add_column("Line", key="line")
        table.add_column("Rule", key="rule")
        table.add_column("Message", key="message")

    def show(self, view: TicketView) -> None:
        results = lint_results(record_of(view.steps, "lint"))
        self.query_one("#lint-summary", Static).update(results.summary)
        table = self.query_one("#lint-findings", DataTable)
        table.clear()
        for finding in results.findings:
            # Text cells: a DataTable would read plain strings as markup.
            table.add_row(
                Text(tail(finding.path, FILE_WIDTH)),
                Text(str(finding.line), justify="right"),
                Text(finding.rule),
                Text(finding.message),
            )


def tail(text: str, width: int) -> str:
    """``text`` cut to ``width`` from the left, so a path keeps its file name."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]
