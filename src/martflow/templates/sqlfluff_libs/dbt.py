"""Stand-in for dbt's cross-database macros (lint only: dbt dispatches to the adapter's)."""

from sqlfluff_libs import DIALECT

_STRING_TYPES = {
    "sparksql": "string",
    "databricks": "string",
    "bigquery": "string",
    "hive": "string",
    "athena": "string",
}


def cast(field, data_type):
    """``cast(field as data_type)``."""
    return f"cast({field} as {data_type})"


def safe_cast(field, data_type):
    """As dbt's default: a cast (adapters use ``try_cast`` where they have it)."""
    return cast(field, data_type)


def type_string():
    """The dialect's unbounded text type."""
    return _STRING_TYPES.get(DIALECT, "varchar")


def type_timestamp():
    """A timestamp without time zone."""
    return "timestamp"


def concat(fields):
    """The fields joined with ``||``."""
    return " || ".join(fields)


def hash(field):  # noqa: A001 (dbt's macro name)
    """As dbt's default: the md5 of the field as text."""
    return f"md5(cast({field} as {type_string()}))"
