"""Mart columns -> Tableau fields: data types, roles, and the sheets a spec asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from martflow.core.models import TicketSpec
from martflow.errors import PublishError

TableauType = Literal["integer", "real", "string", "date", "datetime", "boolean"]
Role = Literal["dimension", "measure"]

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_WIDE_INTEGERS = {"HUGEINT", "UHUGEINT", "UBIGINT"}
_REALS = {"FLOAT", "DOUBLE", "REAL"}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
# Tableau's legacy ADO type codes, as its own metadata records carry them.
_REMOTE_TYPES = {"integer": 20, "real": 5, "string": 129, "date": 7, "datetime": 135, "boolean": 11}


def tableau_datatype(duckdb_type: str) -> TableauType:
    """The Tableau data type of a DuckDB column type (unknown types become strings)."""
    kind = duckdb_type.upper()
    if kind in _INTEGERS:
        return "integer"
    if kind in _WIDE_INTEGERS or kind in _REALS or _DECIMAL.match(kind):
        return "real"
    if kind == "DATE":
        return "date"
    if kind.startswith("TIMESTAMP"):
        return "datetime"
    if kind == "BOOLEAN":
        return "boolean"
    return "string"


@dataclass(frozen=True)
class Field:
    """One datasource column as the workbook declares it."""

    name: str
    duckdb_type: str
    datatype: TableauType
    role: Role
    ordinal: int

    @property
    def type(self) -> str:
        """Tableau's column type: measures are quantitative, dates and numbers ordinal."""
        if self.role == "measure":
            return "quantitative"
        return "nominal" if self.datatype in {"string", "boolean"} else "ordinal"

    @property
    def caption(self) -> str:
        return self.name.replace("_", " ").strip().title() or self.name

    @property
    def ref(self) -> str:
        """The bracketed field name (Tableau doubles a closing bracket)."""
        return "[" + self.name.replace("]", "]]") + "]"

    @property
    def remote_type(self) -> int:
        return _REMOTE_TYPES[self.datatype]

    def instance(self, derivation: str) -> tuple[str, str]:
        """``(column-instance name, instance type)`` for a derivation."""
        prefix, suffix, kind = _DERIVATIONS[derivation]
        if derivation == "None" and self.type == "ordinal":
            suffix, kind = "ok", "ordinal"
        return f"[{prefix}:{self.name.replace(']', ']]')}:{suffix}]", kind


_DERIVATIONS = {
    "None": ("none", "nk", "nominal"),
    "Sum": ("sum", "qk", "quantitative"),
    "Count": ("cnt", "qk", "quantitative"),
    "Month-Trunc": ("tmn", "qk", "quantitative"),
    "Range": ("none", "qk", "quantitative"),  # a date as a continuous range (filters)
}


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a measure over time if there is a date, else by the first dimension.

    ``key`` holds the grain columns that label a bar beside ``by`` when ``by`` alone does
    not identify a mart row (two customers called Ann stay two bars). A ``kpi`` sheet shows
    the measure's total as text.
    """

    name: str
    measure: Field
    aggregation: str
    by: Field | None
    date: Field | None
    key: tuple[Field, ...] = ()
    kpi: bool = False

    @property
    def mark(self) -> str:
        if self.kpi:
            return "Text"
        return "Line" if self.date else "Bar"


def plan_fields(columns: list[tuple[str, str]], spec: TicketSpec) -> list[Field]:
    """The mart's columns typed for Tableau; spec measures (and other numbers) are measures."""
    measures = {m.name.lower() for m in spec.measures}
    dimensions = {c.column.lower() for c in (*spec.grain, *spec.dimensions)}
    fields = []
    for ordinal, (name, duckdb_type) in enumerate(columns):
        datatype = tableau_datatype(duckdb_type)
        numeric = datatype in {"integer", "real"}
        is_measure = name.lower() in measures or (
            numeric and name.lower() not in dimensions and not name.lower().endswith("_id")
        )
        role: Role = "measure" if is_measure else "dimension"
        fields.append(Field(name, duckdb_type, datatype, role, ordinal))
    return fields


def plan_sheets(fields: list[Field], spec: TicketSpec) -> list[Sheet]:
    """One sheet per spec measure (or a row count when the spec has none)."""
    by_name = {f.name.lower(): f for f in fields}
    date = next((f for f in fields if f.datatype in {"date", "datetime"}), None)
    wanted = [c.column.lower() for c in (*spec.dimensions, *spec.grain)]
    dims = [by_name[n] for n in wanted if n in by_name and by_name[n] is not date]
    dims += [f for f in fields if f.role == "dimension" and f is not date and f not in dims]
    first = dims[0] if dims else None
    grain = [by_name[c.column.lower()] for c in spec.grain if c.column.lower() in by_name]
    key = tuple(g for g in grain if g is not first and g is not date)
    if first is not None and first in grain:
        key = ()  # the first dimension is (part of) the grain: one label per mart row
    sheets = []
    for measure in spec.measures:
        field = by_name.get(measure.name.lower())
        if field is None:
            raise PublishError(
                f"measure {measure.name!r} is not a column of mart {spec.mart_model}; "
                "rebuild the mart"
            )
        sheets.append(Sheet(field.name, field, "Sum", first, date, key))
    if not sheets:
        if first is None:
            raise PublishError(f"mart {spec.mart_model} has no column to chart")
        sheets.append(Sheet(f"{first.name} count", first, "Count", first, date, key))
    return sheets


def plan_kpis(sheets: list[Sheet]) -> list[Sheet]:
    """A text tile with the total of each chart's measure, named ``<measure> total``."""
    taken = {s.name for s in sheets}
    tiles = []
    for sheet in sheets:
        name, suffix = f"{sheet.name} total", 2
        while name in taken:  # a measure may be called "<other measure> total"
            name, suffix = f"{sheet.name} total ({suffix})", suffix + 1
        taken.add(name)
        tiles.append(Sheet(name, sheet.measure, sheet.aggregation, None, None, kpi=True))
    return tiles
