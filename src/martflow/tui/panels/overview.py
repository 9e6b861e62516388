"""The overview tab: the ticket's description and its parsed spec, or why it does not validate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from martflow.core.safe_text import visible
from martflow.tui.panels.base import TicketPanel

if TYPE_CHECKING:
    from martflow.core.models import TicketSpec
    from martflow.services.tickets import TicketView


class OverviewPanel(TicketPanel):
    """What the PM asked for and what martflow understood."""

    ID = "ticket"
    TITLE = "Ticket"

    def compose(self) -> ComposeResult:
        # The spec first: it is what the pipeline will build, and it fits on a screen.
        with VerticalScroll():
            yield Static("", id="spec", markup=False)
            yield Markdown("", id="description")

    def show(self, view: TicketView) -> None:
        description = visible(view.ticket.description.strip(), keep_newlines=True, keep_tabs=True)
        description = description or "*(no description)*"
        self.query_one("#description", Markdown).update(description)
        spec = self.query_one("#spec", Static)
        spec.set_class(view.spec is None, "-invalid")
        if view.spec is not None:
            spec.update(spec_summary(view.spec, view.spec_source))
        else:
            problems = "\n".join(f"  • {p}" for p in view.spec_problems)
            spec.update(f"Spec does not validate - press e to edit it\n{problems}")


def spec_summary(spec: TicketSpec, source: str) -> str:
    """A few lines a person reads at a glance: what will be built from what."""
    lines = [
        f"Spec (from {source}): {spec.kind} {spec.mart_model}",
        f"  sources     {', '.join(s.name for s in spec.sources)}",
        f"  grain       {', '.join(str(g) for g in spec.grain)}",
    ]
    if spec.joins:
        lines.append(f"  joins       {'; '.join(f'{j.left} = {j.right}' for j in spec.joins)}")
    if spec.dimensions:
        lines.append(f"  dimensions  {', '.join(str(d) for d in spec.dimensions)}")
    if spec.measures:
        lines.append(f"  measures    {', '.join(m.name for m in spec.measures)}")
    if spec.dashboard:
        lines.append(f"  dashboard   {spec.dashboard}")
    return "\n".join(lines)
