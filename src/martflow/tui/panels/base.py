"""The bases of the ticket screen's tabs: a panel, a text panel and a results-table panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from martflow.tui.widgets.fitted_table import Col, FittedTable, Row
from martflow.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView


class TicketPanel(ForwardsWorkerErrors, Vertical):
    """One tab of the ticket screen. Subclasses render ``show(view)`` without blocking.

    ``ID`` is the panel's widget id (its tab is ``tab-<ID>``); ``TITLE`` names the tab;
    ``STEP`` (if set) is the pipeline step whose results the panel shows, so the screen can
    switch to it when that step finishes and clear it when the step starts again.
    """

    ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    STEP: ClassVar[str | None] = None

    def show(self, view: TicketView) -> None:
        """Render ``view``; called on the UI thread whenever the ticket is (re)loaded."""
        raise NotImplementedError

    def clear_for_run(self, message: str) -> None:
        """Forget the last run's results while the step runs again (``message`` says so)."""


class TextPanel(TicketPanel):
    """A tab that shows a few lines of text read from the view (models, publish)."""

    DEFAULT_CSS = """
    TextPanel .panel-text { padding: 1 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", id=f"{self.ID}-text", classes="panel-text", markup=False)

    def text(self, view: TicketView) -> str:
        """The lines to show for ``view``."""
        raise NotImplementedError

    def show(self, view: TicketView) -> None:
        self.query_one(".panel-text", Static).update(self.text(view))

    def clear_for_run(self, message: str) -> None:
        self.query_one(".panel-text", Static).update(message)


class ResultsPanel(TicketPanel):
    """A summary line over a table of a step's results (lint findings, built nodes)."""

    COLUMNS: ClassVar[tuple[Col, ...]] = ()
    DEFAULT_CSS = """
    ResultsPanel .results-summary { padding: 0 1; }
    ResultsPanel FittedTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id=f"{self.ID}-summary", classes="results-summary", markup=False)
        yield FittedTable(id=f"{self.ID}-table", zebra_stripes=True)

    def results(self, view: TicketView) -> tuple[str, Sequence[Row]]:
        """The summary line and the table's rows for ``view``."""
        raise NotImplementedError

    def show(self, view: TicketView) -> None:
        summary, rows = self.results(view)
        self.query_one(".results-summary", Static).update(summary)
        self.query_one(FittedTable).fill(self.COLUMNS, rows)

    def clear_for_run(self, message: str) -> None:
        self.query_one(".results-summary", Static).update(message)
        self.query_one(FittedTable).fill(self.COLUMNS, [])
