"""The dashboard: KPI tiles, charts and quick filters, laid out under a title and a caption.

Zones use Tableau's 0..100000 coordinates inside the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from martflow.integrations.tableau.fields import Field, Sheet

MAX_FILTER_VALUES = 20
"""A text or boolean dimension with at most this many values gets a quick filter."""
_FULL = 100_000
_TITLE_H, _CAPTION_H, _KPI_H = 7_000, 4_000, 14_000
_FILTER_W, _FILTER_H = 20_000, 12_000


@dataclass(frozen=True)
class QuickFilter:
    """A filter shown on the dashboard and applied to every sheet (one filter group)."""

    field: Field
    kind: Literal["categorical", "range"]
    group: int

    @property
    def derivation(self) -> str:
        return "Range" if self.kind == "range" else "None"


@dataclass(frozen=True)
class Zone:
    """One dashboard zone: the title, the caption, a sheet, or a filter card."""

    id: int
    kind: Literal["title", "text", "sheet", "filter"]
    x: int
    y: int
    w: int
    h: int
    name: str = ""
    param: str = ""
    mode: str = ""


@dataclass(frozen=True)
class Layout:
    """What the dashboard shows and where."""

    kpis: tuple[Sheet, ...]
    charts: tuple[Sheet, ...]
    filters: tuple[QuickFilter, ...]
    zones: tuple[Zone, ...] = field(default=())

    @property
    def sheets(self) -> tuple[Sheet, ...]:
        return (*self.kpis, *self.charts)


class DistinctValues:
    """Counts the distinct values of some columns in rows passing through.

    A column stops being counted once it passes ``limit`` values, so memory stays small
    however many rows the mart has.
    """

    def __init__(self, columns: Sequence[str], tracked: Iterable[str], limit: int) -> None:
        wanted = set(tracked)
        self._positions = [(i, name) for i, name in enumerate(columns) if name in wanted]
        self._seen: dict[str, set[Any] | None] = {name: set() for _, name in self._positions}
        self._limit = limit

    def through(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        """``rows`` unchanged, counted on the way."""
        for row in rows:
            for position, name in self._positions:
                seen = self._seen[name]
                if seen is None:
                    continue
                try:
                    seen.add(row[position])
                except TypeError:  # a list or map value: not a filterable category
                    self._seen[name] = None
                    continue
                if len(seen) > self._limit:
                    self._seen[name] = None
            yield row

    def counts(self) -> dict[str, int]:
        """Distinct values (NULL included) of each column still under the limit."""
        return {name: len(seen) for name, seen in self._seen.items() if seen is not None}


def filterable(fields: Sequence[Field]) -> list[str]:
    """The columns whose values decide whether they get a quick filter."""
    return [f.name for f in fields if f.role == "dimension" and f.datatype in {"string", "boolean"}]


def plan_filters(
    fields: Sequence[Field], grain: Sequence[str], distinct: Mapping[str, int] | None
) -> tuple[QuickFilter, ...]:
    """A date-range filter on the first date, and a quick filter on each text or boolean
    dimension with 2..MAX_FILTER_VALUES values (``distinct``: unknown, as on a live
    connection, means none)."""
    filters: list[QuickFilter] = []
    date = next((f for f in fields if f.datatype in {"date", "datetime"}), None)
    if date is not None:
        filters.append(QuickFilter(date, "range", 1))
    for name in filterable(fields):
        count = (distinct or {}).get(name, 0)
        if name.lower() not in grain and 1 < count <= MAX_FILTER_VALUES:
            column = next(f for f in fields if f.name == name)
            filters.append(QuickFilter(column, "categorical", len(filters) + 1))
    return tuple(filters)


def plan_layout(
    kpis: Sequence[Sheet], charts: Sequence[Sheet], filters: Sequence[QuickFilter], ds: str
) -> Layout:
    """Title and caption across the top, KPI tiles in a row, charts stacked below, and the
    filter cards in a column on the right."""
    zones: list[Zone] = []

    def add(
        kind: Literal["title", "text", "sheet", "filter"],
        x: int,
        y: int,
        w: int,
        h: int,
        name: str = "",
        param: str = "",
        mode: str = "",
    ) -> None:
        zones.append(Zone(len(zones) + 2, kind, x, y, w, h, name, param, mode))  # zone 1: all

    add("title", 0, 0, _FULL, _TITLE_H)
    add("text", 0, _TITLE_H, _FULL, _CAPTION_H)
    top = _TITLE_H + _CAPTION_H
    width = _FULL - (_FILTER_W if filters else 0)
    for i, tile in enumerate(kpis):
        x, w = _span(i, len(kpis), 0, width)
        add("sheet", x, top, w, _KPI_H, name=tile.name)
    below = top + (_KPI_H if kpis else 0)
    for i, chart in enumerate(charts):
        y, h = _span(i, len(charts), below, _FULL - below)
        add("sheet", 0, y, width, h, name=chart.name)
    target = charts[0].name if charts else (kpis[0].name if kpis else "")
    for i, quick in enumerate(filters):
        y, h = _span(i, len(filters), top, min(_FULL - top, _FILTER_H * len(filters)))
        param = f"[{ds}].{quick.field.instance(quick.derivation)[0]}"
        mode = "slider" if quick.kind == "range" else "checkdropdown"
        add("filter", width, y, _FULL - width, h, name=target, param=param, mode=mode)
    return Layout(tuple(kpis), tuple(charts), tuple(filters), tuple(zones))


def _span(index: int, count: int, start: int, length: int) -> tuple[int, int]:
    """(offset, size) of part ``index`` of ``count`` equal parts of ``length`` from ``start``;
    the last part takes the rounding remainder so the parts fill ``length`` exactly."""
    size = length // count
    offset = start + index * size
    return offset, (start + length - offset if index == count - 1 else size)
