"""The ticket screen's tabs, in order. Each is a TicketPanel subclass."""

from __future__ import annotations

from martflow.tui.panels.base import TicketPanel
from martflow.tui.panels.build import BuildPanel
from martflow.tui.panels.lineage import LineagePanel
from martflow.tui.panels.lint import LintPanel
from martflow.tui.panels.overview import OverviewPanel
from martflow.tui.panels.preview import PreviewPanel
from martflow.tui.panels.publish import PublishPanel
from martflow.tui.panels.scaffold import ScaffoldPanel

PANELS: list[type[TicketPanel]] = [
    OverviewPanel,
    ScaffoldPanel,
    LintPanel,
    BuildPanel,
    LineagePanel,
    PreviewPanel,
    PublishPanel,
]
