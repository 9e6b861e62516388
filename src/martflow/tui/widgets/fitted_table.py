"""A DataTable whose columns size to their content and share what is left of the width.

Textual's auto-width columns only ever grow (``clear()`` keeps the widths, ``update_cell``
does not measure), and a fixed width cuts numbers. Here every fill measures again: fixed
columns get their widest cell, so numbers are never cut, and the ``flex`` columns share
the rest of the table's width, cut with "…" (from the left for paths, keeping the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import events
from textual.widgets import DataTable

Cut = Literal["right", "left"]


@dataclass(frozen=True)
class Col:
    """A column: its key and header; ``flex`` columns take the width that is left."""

    key: str
    label: str
    flex: bool = False
    cut: Cut = "right"
    min_width: int = 6


Row = tuple[str, Sequence[Text]]
"""A row's key and its cells (Text: a DataTable would read plain strings as markup)."""


def fit_widths(columns: Sequence[Col], rows: Sequence[Row], available: int | None) -> list[int]:
    """Each column's width: its widest cell, the flex columns squeezed into ``available``."""
    wanted = [
        max([(col.label and Text(col.label).cell_len) or 1, *(r[1][i].cell_len for r in rows)])
        for i, col in enumerate(columns)
    ]
    if available is None:
        return wanted
    flexible = [i for i, col in enumerate(columns) if col.flex]
    room = available - sum(w for i, w in enumerate(wanted) if i not in flexible)
    wanted_flex = sum(wanted[i] for i in flexible)
    if not flexible or wanted_flex <= room:
        return wanted
    widths = list(wanted)
    for i in flexible:
        share = room * wanted[i] // wanted_flex if wanted_flex else 0
        widths[i] = max(min(columns[i].min_width, wanted[i]), share)
    return widths


def cut_cell(cell: Text, width: int, cut: Cut) -> Text:
    """``cell`` in ``width`` cells: whole, or cut with "…" at the right or the left."""
    if cell.cell_len <= width:
        return cell
    if cut == "left":
        kept = cell[cell.cell_len - (width - 1) :] if width > 1 else Text("")
        return Text("…", style=cell.style) + kept
    cell = cell.copy()
    cell.truncate(width, overflow="ellipsis")
    return cell


class FittedTable(DataTable[Text]):
    """Call ``fill(columns, rows)``; the widths follow the content and the table's width."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("cursor_type", "row")
        # mypy: DataTable's keyword arguments, passed through
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.specs: list[Col] = []
        self.data: list[Row] = []

    def fill(self, columns: Sequence[Col], rows: Sequence[Row]) -> None:
        """Show ``rows`` under ``columns``, measured again (the cursor stays on its row)."""
        self.specs, self.data = list(columns), list(rows)
        self._redraw()

    def _available(self) -> int | None:
        width = self.scrollable_content_region.width
        if not width:
            return None
        return width - 2 * self.cell_padding * len(self.specs) - 1

    def _redraw(self) -> None:
        row = self.cursor_row
        widths = fit_widths(self.specs, self.data, self._available())
        self.clear(columns=True)
        for col, width in zip(self.specs, widths, strict=True):
            self.add_column(Text(col.label), key=col.key, width=width)
        for key, cells in self.data:
            shown = [
                cut_cell(cell, width, col.cut)
                for cell, width, col in zip(cells, widths, self.specs, strict=True)
            ]
            self.add_row(*shown, key=key)
        if self.data:
            self.move_cursor(row=min(row, len(self.data) - 1), animate=False)

    def on_resize(self, _event: events.Resize) -> None:
        if self.specs:
            self._redraw()
