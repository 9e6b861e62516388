"""A spec resolved against the staged tables: join order, selected columns, join tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from martflow.core.models import ColumnRef, JoinSpec, TicketSpec
from martflow.errors import ScaffoldError, WarehouseError
from martflow.project_scaffold.naming import validate_identifier
from martflow.project_scaffold.staging import StagedTable, cast_for


@dataclass(frozen=True)
class JoinStep:
    """A left join of ``table`` on conditions (already-joined column, ``table``'s column)."""

    table: str
    conditions: tuple[tuple[ColumnRef, ColumnRef], ...]


@dataclass(frozen=True)
class Blueprint:
    """Everything the templates need, as validated names only."""

    spec: TicketSpec
    tables: tuple[StagedTable, ...]  # join order: the grain's table, then each joined one
    joins: tuple[JoinStep, ...]
    selected: tuple[tuple[ColumnRef, str], ...]  # columns the mart needs -> alias
    relationships: tuple[tuple[ColumnRef, ColumnRef], ...]  # (many side, one side)
    resolved: tuple[tuple[ColumnRef, ColumnRef], ...]  # spec column -> table-qualified

    def alias(self, ref: ColumnRef) -> str:
        """The intermediate model's name for a column as the spec wrote it."""
        return dict(self.selected)[self.resolve(ref)]

    def resolve(self, ref: ColumnRef) -> ColumnRef:
        """A spec column as its table's column (a bare name gets its table)."""
        return dict(self.resolved).get(ref, ref)

    def mart_grain(self) -> list[str]:
        """The mart's grain columns: the spec's, then the time grain's period if any."""
        grain = [self.alias(g) for g in self.spec.grain]
        if self.spec.time is not None:
            grain.append(self.spec.time.name)
        return grain

    def table(self, name: str) -> StagedTable:
        return next(t for t in self.tables if t.ref.table == name)

    def fanout_suspects(self) -> tuple[JoinStep, ...]:
        """The joins that can repeat rows at the grain, in join order.

        The mart groups by grain and dimensions, so it has two rows for one grain value
        only when a dimension varies within it: a dimension from a joined table, reached
        through these joins, that match more than one row per grain value.
        """
        base = self.tables[0].ref.table
        parent: dict[str, str] = {}
        for step in self.joins:
            parent[step.table] = step.conditions[0][0].table if step.conditions else base
        suspects: set[str] = set()
        for ref in self.spec.dimensions:
            table = dict(self.resolved).get(ref, ref).table
            while table != base and table in parent and table not in suspects:
                suspects.add(table)
                table = parent[table]
        return tuple(step for step in self.joins if step.table in suspects)


def build_blueprint(spec: TicketSpec, staged: Sequence[StagedTable]) -> Blueprint:
    """Resolve every column the spec names; raise ScaffoldError/WarehouseError naming it."""
    validate_identifier(spec.mart, "mart")
    by_table: dict[str, StagedTable] = {}
    for table in staged:
        if table.ref.table in by_table:
            raise ScaffoldError(f"two sources have a table named {table.ref.table!r}")
        by_table[table.ref.table] = table
    joins = [
        JoinSpec(_resolve(j.left, by_table, "joins"), _resolve(j.right, by_table, "joins"))
        for j in spec.joins
    ]
    if not spec.grain:
        raise ScaffoldError("grain: the spec names no grain column")
    # The grain's table is the base: every row of it is in the mart, and joins add to it.
    base = _resolve(spec.grain[0], by_table, "grain").table
    order, steps = _join_order(base, list(by_table), joins)

    resolved: dict[ColumnRef, ColumnRef] = {}

    def resolve(ref: ColumnRef, field: str) -> ColumnRef:
        resolved[ref] = _resolve(ref, by_table, field, prefer=order)
        return resolved[ref]

    needed = [resolve(g, "grain") for g in spec.grain]
    needed += [resolve(d, "dimensions") for d in spec.dimensions]
    needed += [resolve(m.column, "measures") for m in spec.measures if m.column is not None]
    if spec.incremental is not None:
        needed.append(resolve(spec.incremental, "incremental"))
    if spec.time is not None:
        resolve(spec.time.column, "time")  # the intermediate selects its period, not it
    unique = list(dict.fromkeys(needed))
    counts: dict[str, int] = {}
    for ref in unique:
        counts[ref.column] = counts.get(ref.column, 0) + 1
    selected = tuple(
        (ref, ref.column if counts[ref.column] == 1 else f"{ref.table}_{ref.column}")
        for ref in unique
    )
    return Blueprint(
        spec=spec,
        tables=tuple(by_table[name] for name in order),
        joins=tuple(steps),
        selected=selected,
        relationships=tuple(_many_to_one(j) for j in joins),
        resolved=tuple(resolved.items()),
    )


def partition_columns(blueprint: Blueprint) -> list[tuple[str, str]]:
    """The spec's ``partition_by`` as mart columns, each with its kind: date, timestamp or ""."""
    columns = []
    for ref in blueprint.spec.partition_by:
        resolved = dict(blueprint.resolved).get(ref, ref)
        staged = blueprint.table(resolved.table).column(resolved.column)
        name = blueprint.alias(ref)
        # A text column staging casts says its kind; otherwise its name is the best hint.
        kind = staged.cast if staged is not None and staged.cast else cast_for(name, "text")
        columns.append((name, kind))
    return columns


def _resolve(
    ref: ColumnRef, tables: dict[str, StagedTable], field: str, prefer: Sequence[str] = ()
) -> ColumnRef:
    if ref.table:
        table = tables.get(ref.table)
        if table is None:
            raise ScaffoldError(f"{field}: {ref} names table {ref.table!r}, not among the sources")
        candidates = [table]
    else:
        ordered = [tables[name] for name in prefer] or list(tables.values())
        candidates = [t for t in ordered if t.column(ref.column)] or ordered[:1]
    table = candidates[0]
    if table.column(ref.column) is None:
        known = ", ".join(c.name for c in table.columns)
        raise WarehouseError(
            f"{field}: {table.ref.name} has no column {ref.column!r} (staged columns: {known})"
        )
    return ColumnRef(table.ref.table, ref.column)


def _join_order(
    first: str, tables: list[str], joins: list[JoinSpec]
) -> tuple[list[str], list[JoinStep]]:
    """Walk the joins from the grain's table so each join adds one new table."""
    order, steps, pending = [first], [], list(joins)
    while len(order) < len(tables):
        reachable = [j for j in pending if (j.left.table in order) != (j.right.table in order)]
        if not reachable:
            missing = ", ".join(t for t in tables if t not in order)
            raise ScaffoldError(f"joins: no join connects {missing} to {first} (the grain's table)")
        head = reachable[0]
        new = head.right.table if head.left.table in order else head.left.table
        conditions = []
        for join in list(pending):
            sides = {join.left.table, join.right.table}
            if new in sides and sides - {new} <= set(order) and len(sides) == 2:
                old_side, new_side = (
                    (join.left, join.right) if join.right.table == new else (join.right, join.left)
                )
                conditions.append((old_side, new_side))
                pending.remove(join)
        order.append(new)
        steps.append(JoinStep(new, tuple(conditions)))
    return order, steps


def _many_to_one(join: JoinSpec) -> tuple[ColumnRef, ColumnRef]:
    """Guess which side is the parent: ``customers.customer_id`` or ``x.id`` is the one side.

    Without such a hint the spec's right-hand side is taken as the one side.
    """

    def is_key_of(ref: ColumnRef) -> bool:
        singular = ref.table[:-3] + "y" if ref.table.endswith("ies") else ref.table.rstrip("s")
        return ref.column in {"id", f"{singular}_id", f"{ref.table}_id"}

    if is_key_of(join.left) and not is_key_of(join.right):
        return join.right, join.left
    return join.left, join.right
