"""Check a spec's inputs, joins, mart name and column references (``table.column``)."""

from __future__ import annotations

from typing import Any

from martflow.core.models import ColumnRef, JoinSpec, SourceRef
from martflow.core.naming import (
    MART_PREFIXES,
    MAX_IDENTIFIER,
    SOURCE_TABLE_SEPARATOR,
    intermediate_model,
    staging_model,
)
from martflow.core.spec.messages import (
    _ident_reason,
    _Problems,
    _show,
    _too_long_model,
    _type_reason,
)


class ReferenceChecks:
    """Validates the names a spec refers to, collecting problems in ``p``."""

    def __init__(self, problems: _Problems) -> None:
        self.p = problems
        self.tables: dict[str, SourceRef] | None = None  # None: sources invalid, skip checks

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
