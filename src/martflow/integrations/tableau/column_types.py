"""Warehouse column types in one vocabulary (DuckDB's names), whatever the adapter says."""

from __future__ import annotations

import re

_PARAMETRIC = re.compile(r"^([a-z0-9_ ]+?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*(.*)$")
_SYNONYMS = {
    "TINYINT": ("tinyint", "int1", "byte"),
    "SMALLINT": ("smallint", "int2", "int16", "short"),
    "INTEGER": ("integer", "int", "int4", "int32", "signed", "mediumint"),
    "BIGINT": ("bigint", "int8", "int64", "long", "byteint"),
    "DOUBLE": (
        "double",
        "double precision",
        "float",
        "float4",
        "float8",
        "float64",
        "real",
        "binary_double",
    ),
    "BOOLEAN": ("boolean", "bool", "logical"),
    "DATE": ("date",),
    "TIMESTAMP": (
        "timestamp",
        "timestamp without time zone",
        "timestamp_ntz",
        "datetime",
        "datetime2",
        "timestamp_s",
        "timestamp_ms",
        "timestamp_ns",
    ),
    "TIMESTAMP WITH TIME ZONE": (
        "timestamp with time zone",
        "timestamptz",
        "timestamp_tz",
        "timestamp_ltz",
        "timestamp with local time zone",
        "datetimeoffset",
    ),
    "VARCHAR": (
        "varchar",
        "character varying",
        "text",
        "string",
        "char",
        "character",
        "bpchar",
        "nvarchar",
        "nchar",
        "varchar2",
    ),
}
_CANONICAL = {alias: name for name, aliases in _SYNONYMS.items() for alias in aliases}
_DUCKDB_NAMES = frozenset(
    {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT", "UHUGEINT", "TIMESTAMP_S"}
)
_DECIMALS = ("decimal", "numeric", "number", "bignumeric")
_WIDEST_INTEGER = 18  # digits a BIGINT always holds


def canonical_type(data_type: str) -> str:
    """``numeric(12,2)`` (Postgres), ``NUMBER(38,0)`` (Snowflake), ``STRING`` (Spark) ->
    ``DECIMAL(12,2)``, ``DECIMAL(38,0)``, ``VARCHAR``; DuckDB's own names stay as they are.

    A decimal without precision (Postgres ``numeric``) becomes ``DOUBLE``: it has no bound
    a fixed-point column could hold. An unknown type is returned upper-cased (stored as text).
    """
    text = " ".join(data_type.strip().lower().split())
    if text.upper() in _DUCKDB_NAMES:
        return text.upper()
    match = _PARAMETRIC.match(text)
    base, precision, scale = (match[1], match[2], match[3]) if match else (text, None, None)
    base = base.strip()
    if match and match[4]:  # "timestamp(3) with time zone"
        base = f"{base} {match[4]}"
    if base in _DECIMALS:
        if precision is None:  # Snowflake's NUMBER means NUMBER(38,0)
            return "DECIMAL(38,0)" if base == "number" else "DOUBLE"
        digits, places = int(precision), int(scale or 0)
        if places == 0 and digits <= _WIDEST_INTEGER and base == "number":
            return "BIGINT"
        return f"DECIMAL({min(digits, 38)},{min(places, 38)})"
    if base in _CANONICAL:
        return _CANONICAL[base]
    return data_type.strip().upper()
