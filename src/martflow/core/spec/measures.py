"""Check a spec's measures, time grain and incremental key."""

from __future__ import annotations

import re
from typing import cast

from martflow.core.models import Aggregate, ColumnRef, Measure, TimeGrain, TimeGrainName
from martflow.core.spec.messages import _describe, _ident_reason, _show, _type_reason, _unknown_key
from martflow.core.spec.references import ReferenceChecks

TIME_GRAINS = ("day", "week", "month")
MAX_ROLLING = 366

# ASCII-only: with Unicode case folding, U+017F (long s) would match "s" in "sum".
_AGGREGATE = re.compile(
    r"[ \t]*(?P<func>count|sum|avg|min|max)[ \t]*\([ \t]*"
    r"(?:(?P<star>\*)|(?:(?P<distinct>distinct)[ \t]+)?(?P<table>\w+)\.(?P<column>\w+))"
    r"[ \t]*\)[ \t]*",
    re.ASCII | re.IGNORECASE,
)
_AGGREGATE_RULE = "is not an aggregate; use count|sum|avg|min|max(table.column)"


class MeasureChecks(ReferenceChecks):
    """Validates what a mart computes: measures (and their rolling windows), time, incremental."""

    def measures(
        self,
        value: object,
        kind: object,
        grain: list[ColumnRef],
        dims: list[ColumnRef],
        has_time: bool = False,
    ) -> list[Measure]:
        path = "martflow.measures"
        items = self.list_of(value, path, 'a list like [{name: order_count, expr: "count(*)"}]')
        # Measure names become mart columns next to the grain and dimension columns.
        taken = {d.column: "a dimension column" for d in dims}
        taken.update({g.column: "a grain column" for g in grain})
        result: list[Measure] = []
        for i, item in enumerate(items or []):
            if (measure := self.measure(item, f"{path}[{i}]", taken, has_time)) is not None:
                result.append(measure)
        if kind == "fact" and items is not None and not items:
            self.p.add(
                path, 'a fact needs at least one measure, e.g. {name: row_count, expr: "count(*)"}'
            )
        return result

    def measure(
        self, item: object, path: str, taken: dict[str, str], has_time: bool = False
    ) -> Measure | None:
        if not isinstance(item, dict):
            self.p.add(path, _type_reason(item, '{name: ..., expr: "count(*)"}'))
            return None
        for key in item:
            if key not in ("name", "expr", "rolling"):
                self.p.add(path, _unknown_key(key, ("name", "expr", "rolling")))
        name = item.get("name")
        reason = "is required" if name is None else _ident_reason(name, "")
        if reason is None and str(name) in taken:
            reason = (
                f'"{name}" is already {taken[str(name)]}; measure names must be unique and '
                "differ from grain and dimension columns"
            )
        if reason:
            self.p.add(f"{path}.name", reason)
        else:
            taken[str(name)] = "the name of another measure"
        parsed = self.aggregate(item.get("expr"), f"{path}.expr")
        if parsed is None or reason:
            return None
        function, column, distinct = parsed
        rolling = self.rolling(item.get("rolling"), f"{path}.rolling", function, has_time)
        if rolling is None:
            return None
        return Measure(str(name), cast(Aggregate, function), column, distinct, rolling)

    def rolling(self, value: object, path: str, function: str, has_time: bool) -> int | None:
        """Periods a rolling measure spans (0: not rolling); None after a problem."""
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= MAX_ROLLING:
            self.p.add(path, f"{_describe(value)} must be a number of periods, 2 to {MAX_ROLLING}")
            return None
        if not has_time:
            self.p.add(path, "needs the spec's time: {column: table.column, grain: day}")
            return None
        if function == "avg":
            self.p.add(
                path,
                "an average cannot roll (an average of averages is wrong); roll a sum and a "
                "count and divide them in the dashboard",
            )
            return None
        return value

    def time(self, value: object, kind: object) -> TimeGrain | None:
        """``{column: table.column, grain: day|week|month}``."""
        path = "martflow.time"
        if value is None:
            return None
        if not isinstance(value, dict):
            self.p.add(
                path, _type_reason(value, "a mapping like {column: orders.ordered_at, grain: day}")
            )
            return None
        for key in value:
            if key not in ("column", "grain"):
                self.p.add(path, _unknown_key(key, ("column", "grain")))
        grain = value.get("grain")
        if grain not in TIME_GRAINS:
            self.p.add(
                f"{path}.grain", f"{_describe(grain)} must be one of {', '.join(TIME_GRAINS)}"
            )
        if kind == "dimension":
            self.p.add(path, "only a fact has a time grain")
        if value.get("column") is None:
            self.p.add(f"{path}.column", "is required, e.g. orders.ordered_at")
            return None
        column = self.column(value["column"], f"{path}.column", bare_table=None)
        if column is None or grain not in TIME_GRAINS:
            return None
        return TimeGrain(column, cast(TimeGrainName, grain))

    def aggregate(self, expr: object, path: str) -> tuple[str, ColumnRef | None, bool] | None:
        if expr is None:
            self.p.add(path, 'is required, e.g. "sum(payments.amount)"')
            return None
        if not isinstance(expr, str):
            self.p.add(path, _type_reason(expr, 'text like "sum(payments.amount)"'))
            return None
        match = _AGGREGATE.fullmatch(expr)
        func = match.group("func").lower() if match else ""
        if match is None or (match.group("star") and func != "count"):
            self.p.add(path, f"{_show(expr)} {_AGGREGATE_RULE}")
            return None
        if match.group("star"):
            return func, None, False
        column = self.column(f"{match.group('table')}.{match.group('column')}", path, None)
        if column is None:
            return None
        return func, column, match.group("distinct") is not None

    def incremental(self, value: object, kind: object) -> ColumnRef | None:
        """``{key: table.column}``: the column whose newer values mark changed rows."""
        path = "martflow.incremental"
        if value is None:
            return None
        if not isinstance(value, dict):
            self.p.add(path, _type_reason(value, "a mapping like {key: orders.updated_at}"))
            return None
        for key in value:
            if key != "key":
                self.p.add(path, _unknown_key(key, ("key",)))
        if value.get("key") is None:
            self.p.add(f"{path}.key", "is required, e.g. orders.updated_at")
            return None
        if kind == "dimension":
            self.p.add(path, "only a fact is built incrementally; a dimension is rebuilt")
        return self.column(value["key"], f"{path}.key", bare_table=None)
