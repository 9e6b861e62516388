"""The lint tab: sqlfluff's findings of the last lint run, and a key to fix them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from martflow.services.step_results import lint_results, record_of
from martflow.tui.panels.base import ResultsPanel
from martflow.tui.widgets.fitted_table import Col, Row

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView


class LintPanel(ResultsPanel):
    """File, line, rule and message of each violation; ``f`` re-runs lint with fix."""

    ID = "lint"
    TITLE = "Lint"
    STEP = "lint"
    COLUMNS = (
        # Paths are cut from the left, keeping the file name; the message gets the rest.
        Col("file", "File", flex=True, cut="left", min_width=12),
        Col("line", "Line"),
        Col("rule", "Rule"),
        Col("message", "Message", flex=True, min_width=20),
    )

    def results(self, view: TicketView) -> tuple[str, Sequence[Row]]:
        results = lint_results(record_of(view.steps, "lint"))
        rows = [
            (
                f"{i}",
                (
                    Text(f.path),
                    Text(str(f.line), justify="right"),
                    Text(f.rule),
                    Text(f.message),
                ),
            )
            for i, f in enumerate(results.findings)
        ]
        return results.summary, rows
