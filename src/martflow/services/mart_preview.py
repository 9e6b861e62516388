"""A look at a built mart before publishing: its first rows and one chart per measure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from martflow.core.models import Measure, TicketSpec
from martflow.services.ports import HasDbt

SAMPLE_ROWS = 500
"""Rows read for the charts; they aggregate these in Python (no SQL is built)."""
TOP_CATEGORIES = 8
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True)
class ChartSeries:
    """One measure by one column: bars (top categories by value) or a line over time."""

    measure: str
    dimension: str
    kind: Literal["bar", "line"]
    labels: tuple[str, ...]
    values: tuple[float, ...]
    categories: int
    """How many distinct values the column had (a bar chart shows the top ones)."""

    @property
    def title(self) -> str:
        if self.kind == "line":
            return f"{self.measure} over {self.dimension}"
        shown = len(self.labels)
        top = f" (top {shown} of {self.categories})" if shown < self.categories else ""
        return f"{self.measure} by {self.dimension}{top}"


@dataclass(frozen=True)
class MartPreview:
    """The mart's columns, its first rows, and a chart series per measure."""

    model: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    charts: tuple[ChartSeries, ...]
    sampled: int
    """Rows the charts are computed from."""
    complete: bool
    """False when the mart has more rows than were sampled (the charts cover a part)."""


def mart_preview(context: HasDbt, spec: TicketSpec, limit: int = 20) -> MartPreview:
    """Read the built mart through the dbt worker (blocking: call it from a worker thread).

    Raises:
        DbtError: when dbt cannot show the model (e.g. it was never built).
    """
    model = spec.mart_model  # from the validated spec; the runner checks it again
    columns, rows = context.dbt().show(model, max(SAMPLE_ROWS, limit))
    return MartPreview(
        model=model,
        columns=tuple(columns),
        rows=tuple(tuple(r) for r in rows[:limit]),
        charts=tuple(chart_series(spec, columns, rows)),
        sampled=len(rows),
        complete=len(rows) < max(SAMPLE_ROWS, limit),
    )


def chart_series(
    spec: TicketSpec,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    top: int = TOP_CATEGORIES,
) -> list[ChartSeries]:
    """For each measure: over time when a date column is among the dimensions, else by the
    first dimension (or the first grain column when there are none), the biggest ``top``."""
    index = {name: i for i, name in enumerate(columns)}
    dims = [d.column for d in spec.dimensions if d.column in index]
    when = next((d for d in dims if _is_date_column(rows, index[d])), None)
    by = (
        when
        or next(iter(dims), None)
        or next((g.column for g in spec.grain if g.column in index), None)
    )
    if by is None:
        return []
    series = []
    for measure in spec.measures:
        if measure.name not in index:
            continue
        grouped = _aggregate(measure, rows, index[by], index[measure.name], by_day=by == when)
        if when is not None:
            points = sorted(grouped.items())
            kind: Literal["bar", "line"] = "line"
        else:
            points = sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
            kind = "bar"
        series.append(
            ChartSeries(
                measure=measure.name,
                dimension=by,
                kind=kind,
                labels=tuple(label for label, _ in points),
                values=tuple(value for _, value in points),
                categories=len(grouped),
            )
        )
    return series


def _is_date_column(rows: Sequence[Sequence[Any]], i: int) -> bool:
    values = [row[i] for row in rows if row[i] is not None]
    return bool(values) and all(isinstance(v, str) and _DATE.fullmatch(v) for v in values)


def _aggregate(
    measure: Measure, rows: Sequence[Sequence[Any]], by: int, at: int, by_day: bool
) -> dict[str, float]:
    """Roll the mart's rows up to one value per label, the way the measure combines.

    count and sum add up; min and max keep theirs; avg takes the mean of the rows' averages
    (unweighted: the mart does not carry the counts behind them).
    """
    groups: dict[str, list[float]] = {}
    for row in rows:
        value = _number(row[at])
        if value is None or (by_day and row[by] is None):
            continue
        label = "(null)" if row[by] is None else str(row[by])
        groups.setdefault(label[:10] if by_day else label, []).append(value)
    combine: dict[str, Callable[[list[float]], float]] = {
        "min": min,
        "max": max,
        "avg": lambda v: sum(v) / len(v),
    }
    combine_values = combine.get(measure.function, sum)
    return {label: float(combine_values(values)) for label, values in groups.items()}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None
