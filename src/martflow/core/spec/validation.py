"""Validate the mapping under ``martflow:`` into a TicketSpec, naming every field at fault."""

from __future__ import annotations

import re
from typing import Any, Literal, cast

from martflow.core.models import (
    Aggregate,
    ColumnRef,
    JoinSpec,
    Measure,
    SourceRef,
    TicketSpec,
    TimeGrain,
    TimeGrainName,
)
from martflow.core.naming import (
    MART_PREFIXES,
    MAX_IDENTIFIER,
    SOURCE_TABLE_SEPARATOR,
    intermediate_model,
    staging_model,
)
from martflow.core.safe_text import SCRIPT_JOINERS, describe_char, first_hidden
from martflow.core.spec.messages import (
    _describe,
    _ident_reason,
    _Problems,
    _show,
    _too_long_model,
    _type_reason,
    _unknown_key,
)

MAX_DASHBOARD = 200
KEYS = (
    "sources",
    "joins",
    "mart",
    "kind",
    "grain",
    "dimensions",
    "measures",
    "dashboard",
    "incremental",
    "time",
    "partition_by",
)
"""The keys allowed under ``martflow:``."""
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
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def validate_spec(body: object, source: str) -> TicketSpec:
    """The spec the mapping under ``martflow:`` describes.

    Raises:
        SpecError: naming the first field at fault; ``problems`` lists all of them.
    """
    problems = _Problems()
    spec = _Validator(problems).spec(body)
    if spec is None or problems.items:
        raise problems.error(source)
    return spec


class _Validator:
    """Turns the mapping under ``martflow:`` into a TicketSpec, collecting problems."""

    def __init__(self, problems: _Problems) -> None:
        self.p = problems
        self.tables: dict[str, SourceRef] | None = None  # None: sources invalid, skip checks

    def spec(self, body: object) -> TicketSpec | None:
        if not isinstance(body, dict):
            self.p.add("martflow", _type_reason(body, "a mapping with sources, mart, grain, ..."))
            return None
        for key in body:
            if key not in KEYS:
                self.p.add("martflow", _unknown_key(key, KEYS))
        sources = self.sources(body.get("sources"))
        joins = self.joins(body.get("joins"))
        mart = self.mart(body.get("mart"))
        kind = "fact" if body.get("kind") is None else body["kind"]
        if kind not in ("fact", "dimension"):
            self.p.add("martflow.kind", f"{_describe(kind)} must be fact or dimension")
        grain = self.columns(body.get("grain"), "martflow.grain", required=True)
        if joins is not None and self.tables and len(self.tables) > 1:
            first = next(iter(self.tables))
            base = grain[0].table if grain and grain[0].table in self.tables else first
            self.connected(joins, base)
        dimensions = self.columns(body.get("dimensions"), "martflow.dimensions")
        self.outputs_unique(grain, dimensions)
        time = self.time(body.get("time"), kind)
        measures = self.measures(body.get("measures"), kind, grain, dimensions, time is not None)
        dashboard = self.dashboard(body.get("dashboard"))
        incremental = self.incremental(body.get("incremental"), kind)
        if incremental is not None and any(m.rolling for m in measures):
            self.p.add(
                "martflow.incremental",
                "a mart with rolling measures is rebuilt: a window needs every period, and an "
                "incremental run reads only the changed ones",
            )
        partition_by = self.partition_by(body.get("partition_by"), grain, dimensions)
        if self.p.items:
            return None
        return TicketSpec(
            sources=tuple(sources),
            mart=mart,
            kind=cast(Literal["fact", "dimension"], kind),
            grain=tuple(grain),
            joins=tuple(joins or ()),
            dimensions=tuple(dimensions),
            measures=tuple(measures),
            dashboard=dashboard,
            incremental=incremental,
            time=time,
            partition_by=tuple(partition_by),
        )

    def sources(self, value: object) -> list[SourceRef]:
        path = "martflow.sources"
        items = self.list_of(value, path, "a list like [shop.orders, shop.customers]", True)
        refs: list[SourceRef] = []
        ok = items is not None
        for i, item in enumerate(items or []):
            ref = self.source(item, f"{path}[{i}]")
            if ref is None:
                ok = False
            elif (seen := next((r for r in refs if r.table == ref.table), None)) is not None:
                self.p.add(
                    f"{path}[{i}]",
                    f'table "{ref.table}" is already listed as {seen.name}; table names must be '
                    "unique across sources (joins refer to tables by name)",
                )
                ok = False
            else:
                refs.append(ref)
        if ok:
            self.tables = {r.table: r for r in refs}
        return refs

    def source(self, item: object, path: str) -> SourceRef | None:
        if not isinstance(item, str):
            self.p.add(path, _type_reason(item, "text like shop.orders"))
            return None
        parts = item.strip().split(".")
        if len(parts) == 1:  # a model or seed of the project, selected with ref()
            if reason := _ident_reason(parts[0], "model or seed"):
                self.p.add(path, reason)
                return None
            return SourceRef("", parts[0])
        if len(parts) != 2:
            self.p.add(
                path,
                f"{_show(item)} must be source.table (e.g. shop.orders) or the name of a "
                "model or seed (e.g. stg_orders)",
            )
            return None
        source, table = parts
        reasons = [r for r in (_ident_reason(source, "source"), _ident_reason(table, "table")) if r]
        if not reasons and SOURCE_TABLE_SEPARATOR in source:
            reasons.append(
                f'source "{source}" must not contain "__" (it separates source and table '
                "in stg_<source>__<table>)"
            )
        model = staging_model(source, table)
        if not reasons and len(model) > MAX_IDENTIFIER:
            reasons.append(_too_long_model(model))
        for reason in reasons:
            self.p.add(path, reason)
        return None if reasons else SourceRef(source, table)

    def joins(self, value: object) -> list[JoinSpec] | None:
        path = "martflow.joins"
        items = self.list_of(value, path, 'a list like ["orders.customer_id = customers.id"]')
        joins: list[JoinSpec] = []
        for i, item in enumerate(items or []):
            join = self.join(item, f"{path}[{i}]")
            if join is None:
                continue
            pair = {(join.left.table, join.left.column), (join.right.table, join.right.column)}
            if any(
                {(j.left.table, j.left.column), (j.right.table, j.right.column)} == pair
                for j in joins
            ):
                self.p.add(f"{path}[{i}]", f"{_show(item)} repeats an earlier join")
                continue
            joins.append(join)
        return joins if items is not None else None

    def join(self, item: object, path: str) -> JoinSpec | None:
        shape = 'must be "table.column = table.column"'
        if not isinstance(item, str):
            self.p.add(path, _type_reason(item, 'text like "a.col = b.col"'))
            return None
        sides = item.split("=")
        if len(sides) != 2:
            self.p.add(path, f"{_show(item)} {shape}")
            return None
        left = self.column(sides[0].strip(), path, bare_table=None)
        right = self.column(sides[1].strip(), path, bare_table=None)
        if left is None or right is None:
            return None
        if left.table == right.table:
            self.p.add(path, f'joins table "{left.table}" to itself; self joins are not supported')
            return None
        return JoinSpec(left, right)

    def connected(self, joins: list[JoinSpec], base: str) -> None:
        """Every input must be reachable by joins from ``base``, the grain's table."""
        assert self.tables is not None
        names = list(self.tables)
        reached, frontier = {base}, [base]
        while frontier:
            table = frontier.pop()
            for j in joins:
                for a, b in ((j.left.table, j.right.table), (j.right.table, j.left.table)):
                    if a == table and b not in reached:
                        reached.add(b)
                        frontier.append(b)
        for table in names:
            if table not in reached:
                self.p.add(
                    "martflow.joins",
                    f'table "{table}" is not joined to {base} (the grain\'s table); add a '
                    f'join like "{base}.<column> = {table}.<column>"',
                )

    def mart(self, value: object) -> str:
        path = "martflow.mart"
        if value is None:
            self.p.add(path, "is required: the mart's name, e.g. customer_orders")
            return ""
        reason = _ident_reason(value, "")
        if reason is None and isinstance(value, str):
            if value.startswith(MART_PREFIXES):
                reason = (
                    f"{_show(value)} must not start with fct_ or dim_; martflow adds the prefix"
                )
            elif len(model := intermediate_model(value)) > MAX_IDENTIFIER:
                reason = _too_long_model(model)
        if reason:
            self.p.add(path, reason)
            return ""
        return str(value)

    def columns(self, value: object, path: str, required: bool = False) -> list[ColumnRef]:
        example = "a list like [customer_id]" if required else "a list like [customers.first_name]"
        items = self.list_of(value, path, example, required)
        first = next(iter(self.tables), "") if self.tables else ""
        refs: list[ColumnRef] = []
        for i, item in enumerate(items or []):
            ref = self.column(item, f"{path}[{i}]", bare_table=first if required else None)
            if ref is None:
                continue
            if ref in refs:
                self.p.add(f"{path}[{i}]", f'"{ref}" is listed twice')
                continue
            refs.append(ref)
        return refs

    def column(self, item: object, path: str, bare_table: str | None) -> ColumnRef | None:
        """A ``table.column`` (or a bare ``column`` when ``bare_table`` is given)."""
        shape = "table.column" if bare_table is None else "column or table.column"
        if not isinstance(item, str):
            self.p.add(path, _type_reason(item, f"text like {shape}"))
            return None
        parts = item.strip().split(".")
        if len(parts) == 1 and bare_table is not None:
            if reason := _ident_reason(parts[0], "column"):
                self.p.add(path, reason)
            # An empty bare_table means the sources are invalid, already reported.
            return ColumnRef(bare_table, parts[0]) if bare_table and not reason else None
        if len(parts) != 2:
            self.p.add(path, f"{_show(item)} must be {shape}")
            return None
        table, column = parts
        reasons = [r for r in (_ident_reason(table, "table"), _ident_reason(column, "column")) if r]
        if not reasons:
            reasons.append(self.table_reason(table))
        for reason in filter(None, reasons):
            self.p.add(path, reason)
        return None if any(reasons) else ColumnRef(table, column)

    def table_reason(self, table: str) -> str:
        if self.tables is None or table in self.tables:
            return ""
        return f'table "{table}" is not among the sources ({", ".join(self.tables)})'

    def outputs_unique(self, grain: list[ColumnRef], dimensions: list[ColumnRef]) -> None:
        """Grain and dimension columns become the mart's columns, so their names must differ."""
        seen = {g.column: "grain" for g in grain}
        for i, dim in enumerate(dimensions):
            if dim.column in seen:
                self.p.add(
                    f"martflow.dimensions[{i}]",
                    f'column "{dim.column}" is already a {seen[dim.column]} column; '
                    "the mart's column names must be unique",
                )
            seen.setdefault(dim.column, "dimension")

    def partition_by(
        self, value: object, grain: list[ColumnRef], dimensions: list[ColumnRef]
    ) -> list[ColumnRef]:
        """Columns to lay the mart out by: each must be a grain or dimension column."""
        path = "martflow.partition_by"
        refs = self.columns(value, path)
        outputs = {*grain, *dimensions}
        for i, ref in enumerate(refs):
            if ref not in outputs:
                self.p.add(
                    f"{path}[{i}]",
                    f'"{ref}" is not a grain or dimension column; a mart is partitioned by '
                    "its own columns: add it to dimensions",
                )
        return refs

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

    def dashboard(self, value: object) -> str:
        path = "martflow.dashboard"
        if value is None:
            return ""
        if not isinstance(value, str):
            self.p.add(path, _type_reason(value, "text (quote it)"))
            return ""
        if any(ch in _LINE_BREAKS for ch in value):
            self.p.add(path, "must be a single line")
        elif bad := first_hidden(value, SCRIPT_JOINERS):
            self.p.add(
                path,
                f"must not contain control or invisible characters (found {describe_char(bad)})",
            )
        elif len(value) > MAX_DASHBOARD:
            self.p.add(path, f"is {len(value)} characters; the limit is {MAX_DASHBOARD}")
        return value

    def list_of(
        self, value: object, path: str, example: str, required: bool = False
    ) -> list[Any] | None:
        """``value`` when it is a list (non-empty when required); None after a problem."""
        if value is None:
            if required:
                self.p.add(path, f"is required: {example}")
                return None
            return []
        if not isinstance(value, list):
            self.p.add(path, _type_reason(value, example))
            return None
        if required and not value:
            self.p.add(path, f"must not be empty: {example}")
            return None
        return value
