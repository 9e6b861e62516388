"""The ticket screen's tabs, in order. Each is a TicketPanel subclass."""

from __future__ import annotations

from martflow.tui.panels.base import TicketPanel
from martflow.tui.panels.overview import OverviewPanel

PANELS: list[type[TicketPanel]] = [
    OverviewPanel,
]
