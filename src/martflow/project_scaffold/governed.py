"""Governed staging: personal data hashed, masked or dropped; flags and categories cleaned.

``profile_targets`` says which columns of a staged table the warehouse profiles;
``govern`` applies the spec's ``pii``/``clean``, ``[scaffold] pii``/``clean`` and the
profiles to the table's columns; ``notes`` lists what it did, for the scaffold preview.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from martflow.core.models import ColumnProfile, ColumnRef, TicketSpec
from martflow.errors import ConfigError, ScaffoldError, WarehouseError
from martflow.project_scaffold.cleaning import (
    Cleaning,
    cleaning_for,
    describe,
    profiled,
)
from martflow.project_scaffold.naming import adapter_quote_call
from martflow.project_scaffold.pii import (
    SALT_VARIABLE,
    hash_expression,
    mask_expression,
    salt_sql,
)
from martflow.project_scaffold.staging import StagedColumn, StagedTable


@dataclass(frozen=True)
class GovernancePolicy:
    """The project's settings: ``[scaffold] pii`` and ``clean``, the dialect, the salt."""

    mode: str = "hash"
    clean: bool = True
    dialect: str = "duckdb"
    salt_missing: Callable[[], str] = lambda: ""
    """How to set the salt when it is not set, else "" (asked only when a column is hashed:
    the keyring is slow to load)."""


def pii_columns(spec: TicketSpec, table: StagedTable, declared: Collection[str] = ()) -> set[str]:
    """Staged names of ``table``'s personal-data columns: the spec's ``pii`` and the
    columns the project's YAML marks ``meta: {pii: true}`` (``declared``, warehouse names).

    Raises:
        WarehouseError: the spec's ``pii`` or ``clean`` names a column the table lacks (a
            typo must not leave personal data untreated).
    """
    names = {ref.column for ref in spec.pii if ref.table == table.ref.table}
    switched = {ref.column for ref in spec.unclean if ref.table == table.ref.table}
    known = {c.name for c in table.columns}
    for field, wanted in (("pii", names), ("clean", switched)):
        if missing := sorted(wanted - known):
            raise WarehouseError(
                f"{field}: {table.ref.name} has no column {missing[0]!r} "
                f"(staged columns: {', '.join(sorted(known))})"
            )
    lowered = {name.lower() for name in declared}
    names |= {c.name for c in table.columns if c.raw.lower() in lowered}
    return names


def profile_targets(spec: TicketSpec, table: StagedTable, pii: Collection[str]) -> list[str]:
    """Warehouse names of the text columns whose profile decides their cleaning."""
    off = _unclean(spec, table)
    return [
        c.raw
        for c in table.columns
        if c.text and c.name not in pii and c.name not in off and profiled(c.name, c.cast)
    ]


def govern(
    spec: TicketSpec,
    table: StagedTable,
    pii: Collection[str],
    profiles: Mapping[str, ColumnProfile],
    policy: GovernancePolicy,
) -> StagedTable:
    """``table`` with its PII columns treated and its profiled columns cleaned.

    Raises:
        ConfigError: a column is to be hashed and the salt is not set.
        ScaffoldError: the spec uses a column that ``pii = "drop"`` leaves out.
    """
    off = _unclean(spec, table)
    columns: list[StagedColumn] = []
    dropped: list[str] = []
    salt = ""
    for column in table.columns:
        quote = adapter_quote_call(column.raw)
        if column.name in pii:
            if policy.mode == "drop":
                dropped.append(column.name)
                continue
            if policy.mode == "hash":
                if missing := policy.salt_missing():
                    raise ConfigError(
                        f"{table.ref.table}.{column.name} is personal data and [scaffold] "
                        f'pii = "hash" salts its hash with {SALT_VARIABLE}: {missing}'
                    )
                salt = salt_sql(policy.dialect)
                expression = hash_expression(quote)
            else:
                expression = mask_expression(quote, policy.dialect)
            columns.append(replace(column, pii=policy.mode, cast="", governed=expression))
            continue
        profile = profiles.get(column.raw)
        if policy.clean and column.name not in off and profile is not None:
            cleaning = cleaning_for(column.name, profile)
            if cleaning.kind:
                expression = _cleaned(cleaning, "{{ " + quote + " }}")
                columns.append(replace(column, cleaning=cleaning, governed=expression))
                continue
        columns.append(column)
    if dropped:
        _refuse_dropped(spec, table.ref.table, dropped)
    return replace(table, columns=tuple(columns), dropped_pii=tuple(dropped), salt=salt)


def refuse_raw_pii(
    selected: Sequence[tuple[ColumnRef, str]],
    tables: Mapping[str, StagedTable],
    pii: Mapping[str, Collection[str]],
) -> None:
    """Refuse a mart column taken from a PII column of a model martflow does not generate
    (a reused staging model or a bare input): it would reach the mart as it is."""
    for ref, _ in selected:
        table = tables[ref.table]
        if not table.generated and ref.column in pii.get(ref.table, ()):
            raise ScaffoldError(
                f"{ref} is personal data, and {table.model} (not generated by martflow) "
                "passes it as it is: hash or mask it in that model, or set [scaffold] "
                "reuse_staging = false so martflow stages the source table"
            )


def notes(tables: Sequence[StagedTable]) -> list[str]:
    """What governed staging does, one line per column, for the scaffold preview."""
    lines = []
    for table in tables:
        for name in table.dropped_pii:
            lines.append(f"{table.ref.table}.{name}: personal data, dropped")
        for column in table.columns:
            label = f"{table.ref.table}.{column.name}"
            if column.pii == "hash":
                lines.append(f"{label}: personal data, salted hash ({SALT_VARIABLE})")
            elif column.pii == "mask":
                lines.append(f"{label}: personal data, masked")
            elif column.cleaning.kind:
                lines.append(describe(label, column.cleaning))
    return lines


def _cleaned(cleaning: Cleaning, value: str) -> str:
    normalized = f"lower(trim({value}))"
    if cleaning.kind == "category":
        return normalized
    true = ", ".join(f"'{v}'" for v in cleaning.true_values)
    false = ", ".join(f"'{v}'" for v in cleaning.false_values)
    # Tokens are martflow's own constants, never values read from the data.
    branches = []
    if true:
        branches.append(f"when {normalized} in ({true}) then true")
    if false:
        branches.append(f"when {normalized} in ({false}) then false")
    inner = "\n            ".join(branches)
    return f"case\n            {inner}\n        end"


def _unclean(spec: TicketSpec, table: StagedTable) -> set[str]:
    """Columns never cleaned: the spec's ``clean: {t.c: false}`` and the join keys."""
    name = table.ref.table
    off = {ref.column for ref in spec.unclean if ref.table == name}
    for join in spec.joins:
        off |= {side.column for side in (join.left, join.right) if side.table in {name, ""}}
    if not spec.clean:
        off |= {c.name for c in table.columns}
    return off


def _refuse_dropped(spec: TicketSpec, table: str, dropped: Sequence[str]) -> None:
    used: list[ColumnRef] = [*spec.grain, *spec.dimensions, *spec.partition_by]
    used += [m.column for m in spec.measures if m.column is not None]
    used += [side for j in spec.joins for side in (j.left, j.right)]
    if spec.incremental is not None:
        used.append(spec.incremental)
    if spec.time is not None:
        used.append(spec.time.column)
    for ref in used:
        if ref.table == table and ref.column in dropped:
            raise ScaffoldError(
                f'{ref} is personal data and [scaffold] pii = "drop" leaves it out of '
                'staging: use pii = "hash" (or "mask") to keep a stand-in, or leave it out '
                "of the spec"
            )
