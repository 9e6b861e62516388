"""The warehouse's source tables and their columns, for picking a spec's parts by key."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from martflow.services.catalog import CatalogColumn, CatalogTable

Target = Literal["grain", "dimensions", "measures"]


@dataclass(frozen=True)
class ColumnNode:
    """Tree data of a column row."""

    table: CatalogTable
    column: CatalogColumn


NodeData = CatalogTable | ColumnNode | None


class SourceTree(Tree[NodeData]):
    """Tables -> columns (staged name, type, raw name). Warehouse names are never markup."""

    BINDINGS = [
        Binding("space,enter", "toggle_source", "Source +/-", id="toggle_source"),
        Binding("g", "pick('grain')", "Grain", id="add_grain"),
        Binding("d", "pick('dimensions')", "Dimension", id="add_dimension"),
        Binding("m", "pick('measures')", "Sum", id="add_measure"),
        Binding("right", "expand_table", "Open", show=False, id="expand_table"),
        Binding("left", "collapse_table", "Close", show=False, id="collapse_table"),
    ]

    DEFAULT_CSS = """
    SourceTree {
        height: 1fr;
    }
    """

    class SourceToggled(Message):
        """Space/enter on a table (or a column of it): add it to sources, or remove it."""

        def __init__(self, source: str) -> None:
            super().__init__()
            self.source = source

    class ColumnPicked(Message):
        """g/d/m on a column: add ``table.column`` to the grain, dimensions or measures."""

        def __init__(self, target: Target, source: str, table: str, column: str) -> None:
            super().__init__()
            self.target = target
            self.source = source
            self.table = table
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("source tables", id=id)
        self.show_root = False
        self.chosen: set[str] = set()

    def show_tables(self, tables: Sequence[CatalogTable]) -> None:
        """Replace the tree's content with ``tables`` (collapsed; right arrow opens one)."""
        self.clear()
        for table in tables:
            node = self.root.add(self._table_label(table), data=table)
            for column in table.columns:
                node.add_leaf(_column_label(column), data=ColumnNode(table, column))
        self.cursor_line = 0

    def mark_sources(self, sources: Collection[str]) -> None:
        """Tick the tables listed in the form's sources."""
        self.chosen = set(sources)
        for node in self.root.children:
            if isinstance(node.data, CatalogTable):
                node.set_label(self._table_label(node.data))

    def _table_label(self, table: CatalogTable) -> Text:
        tick = "✓ " if table.name in self.chosen else "  "
        label = Text(tick, style="bold green")
        label.append(table.name, style="bold" if table.name in self.chosen else "")
        label.append(f"  {table.schema}.{table.table}", style="dim")
        return label

    def _current(self) -> TreeNode[NodeData] | None:
        return self.cursor_node

    def action_toggle_source(self) -> None:
        node = self._current()
        if node is None or node.data is None:
            return
        table = node.data if isinstance(node.data, CatalogTable) else node.data.table
        self.post_message(self.SourceToggled(table.name))

    def action_pick(self, target: Target) -> None:
        node = self._current()
        if node is None or not isinstance(node.data, ColumnNode):
            self.notify("Highlight a column first (right arrow opens a table).")
            return
        data = node.data
        self.post_message(
            self.ColumnPicked(target, data.table.name, data.table.table, data.column.name)
        )

    def action_expand_table(self) -> None:
        node = self._current()
        if node is not None and node.allow_expand:
            node.expand()

    def action_collapse_table(self) -> None:
        node = self._current()
        if node is None:
            return
        if isinstance(node.data, ColumnNode) and node.parent is not None:
            node = node.parent
            self.move_cursor(node)
        node.collapse()


def _column_label(column: CatalogColumn) -> Text:
    label = Text(column.name)
    label.append(f"  {column.data_type}", style="cyan")
    if column.raw != column.name:
        label.append(f"  ← {column.raw!r}", style="dim")
    return label
