"""The lineage tab: the ticket's tables and models as a tree, upstream first, styled by state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static, Tree

from martflow.services.lineage import KINDS, LineageNode, NodeState, build_lineage
from martflow.tui.panels.base import TicketPanel

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

LAYERS = {
    "source": "sources",
    "staging": "staging",
    "intermediate": "intermediate",
    "mart": "mart",
    "dashboard": "dashboard",
}
LOOKS: dict[NodeState, tuple[str, str]] = {
    NodeState.SOURCE: ("▪", "cyan"),
    NodeState.PLANNED: ("○", "dim italic"),
    NodeState.SCAFFOLDED: ("◐", "yellow"),
    NodeState.BUILT: ("●", "green"),
    NodeState.PUBLISHED: ("★", "bold green"),
}
NO_SPEC = "No valid spec yet: the lineage appears once the spec validates (see the Ticket tab)."


class LineagePanel(TicketPanel):
    """Sources -> staging -> intermediate -> mart -> dashboard, and how far each got."""

    ID = "lineage"
    TITLE = "Lineage"
    DEFAULT_CSS = """
    LineagePanel #lineage-message {
        padding: 0 1;
        color: $text-muted;
    }
    LineagePanel #lineage-tree {
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="lineage-message", markup=False)
        yield Tree[LineageNode | None](Text("lineage"), id="lineage-tree")

    def show(self, view: TicketView) -> None:
        message = self.query_one("#lineage-message", Static)
        tree: Tree[LineageNode | None] = self.query_one("#lineage-tree", Tree)
        tree.clear()
        if view.spec is None:
            message.update(NO_SPEC)
            tree.display = False
            return
        lineage = build_lineage(view.spec, view.steps)
        message.update("▪ source  ○ planned  ◐ scaffolded  ● built  ★ published")
        tree.display = True
        tree.root.set_label(Text(f"{view.ticket.key} · {view.spec.mart_model}", style="bold"))
        for kind in KINDS:
            layer = tree.root.add(Text(LAYERS[kind], style="bold"), expand=True)
            for node in lineage.layer(kind):
                layer.add_leaf(node_label(node), data=node)
        tree.root.expand()


def node_label(node: LineageNode) -> Text:
    """``● stg_shop__orders  built  ← shop.orders  models/…sql`` (no markup: names are data)."""
    symbol, style = LOOKS[node.state]
    label = Text.assemble((f"{symbol} ", style), (node.name, style), (f"  {node.state}", "dim"))
    if node.kind == "staging" and node.upstream:
        label.append(f"  ← {', '.join(node.upstream)}", style="dim")
    if node.detail:
        label.append(f"  {node.detail}", style="dim")
    return label
