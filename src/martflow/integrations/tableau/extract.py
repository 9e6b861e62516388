"""The .hyper extract of a mart, written with the Hyper API into a temp file, then replaced."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from martflow.errors import PublishError

SCHEMA = "Extract"
TABLE = "Extract"
# Format 3 stores 128-bit numerics (DECIMAL(38,s), HUGEINT); Tableau 2022.4+ reads it.
DATABASE_VERSION = "3"
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_BATCH = 10_000

Convert = Callable[[Any], Any]


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=str)
    return str(value)


def _as_decimal(value: Any) -> Any:
    return None if value is None else Decimal(value)


def _as_int(value: Any) -> Any:
    return value if value is None or isinstance(value, int) else int(Decimal(value))


def _as_float(value: Any) -> Any:
    return value if value is None or isinstance(value, float) else float(value)


def _as_date(value: Any) -> Any:
    if isinstance(value, str):  # ISO text, as the dbt worker sends dates
        return dt.date.fromisoformat(value[:10])
    return value


def _as_timestamp(value: Any) -> Any:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _identity(value: Any) -> Any:
    return value


def hyper_column(duckdb_type: str) -> tuple[str, tuple[int, ...], Convert]:
    """``(SqlType factory name, its arguments, value converter)`` for a column type.

    Types are named as DuckDB names them (``column_types.canonical_type`` maps other
    warehouses' names). Values may be Python objects or their JSON form (decimals and
    dates as text). Types Tableau has no faithful counterpart for (time, interval, blob,
    nested, uuid) are stored as text.
    """
    kind = duckdb_type.upper()
    simple: dict[str, tuple[str, tuple[int, ...], Convert]] = {
        "BOOLEAN": ("bool", (), _identity),
        "TINYINT": ("small_int", (), _as_int),
        "UTINYINT": ("small_int", (), _as_int),
        "SMALLINT": ("small_int", (), _as_int),
        "USMALLINT": ("int", (), _as_int),
        "INTEGER": ("int", (), _as_int),
        "UINTEGER": ("big_int", (), _as_int),
        "BIGINT": ("big_int", (), _as_int),
        "UBIGINT": ("numeric", (20, 0), _as_decimal),
        "HUGEINT": ("numeric", (38, 0), _as_decimal),
        "UHUGEINT": ("numeric", (38, 0), _as_decimal),
        "FLOAT": ("double", (), _as_float),
        "DOUBLE": ("double", (), _as_float),
        "REAL": ("double", (), _as_float),
        "DATE": ("date", (), _as_date),
        "TIMESTAMP": ("timestamp", (), _as_timestamp),
        "TIMESTAMP_S": ("timestamp", (), _as_timestamp),
        "TIMESTAMP_MS": ("timestamp", (), _as_timestamp),
        "TIMESTAMP_NS": ("timestamp", (), _as_timestamp),
        "TIMESTAMP WITH TIME ZONE": ("timestamp_tz", (), _to_utc),
        "VARCHAR": ("text", (), _identity),
    }
    if kind in simple:
        return simple[kind]
    match = _DECIMAL.match(kind)
    if match:
        return "numeric", (int(match[1]), int(match[2])), _as_decimal
    return "text", (), _as_text


def _to_utc(value: Any) -> Any:
    value = _as_timestamp(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def write_extract(
    columns: list[tuple[str, str]],
    rows: Iterable[tuple[Any, ...]],
    dest: Path,
    log_dir: Path,
) -> int:
    """Write the rows to ``dest`` as table ``"Extract"."Extract"``; return the row count.

    hyperd logs into ``log_dir`` (never the current folder), telemetry is off, and
    the file appears at ``dest`` only once complete (temp file + ``os.replace``).
    """
    # The Hyper API loads a native library and starts a server: only when publishing.
    from tableauhyperapi import (
        Connection,
        CreateMode,
        HyperException,
        HyperProcess,
        Inserter,
        SqlType,
        TableDefinition,
        TableName,
        Telemetry,
    )

    if not columns:
        raise PublishError(f"nothing to extract into {dest.name}: the mart has no columns")
    log_dir.mkdir(parents=True, exist_ok=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.unlink(missing_ok=True)
    plans = [hyper_column(duckdb_type) for _, duckdb_type in columns]
    table = TableDefinition(
        TableName(SCHEMA, TABLE),
        [
            TableDefinition.Column(name, getattr(SqlType, factory)(*args))
            for (name, _), (factory, args, _) in zip(columns, plans, strict=True)
        ],
    )
    converters = [convert for _, _, convert in plans]
    parameters = {"log_dir": str(log_dir), "default_database_version": DATABASE_VERSION}
    count = 0
    try:
        with (
            HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters=parameters) as hp,
            Connection(hp.endpoint, str(tmp), CreateMode.CREATE_AND_REPLACE) as connection,
        ):
            connection.catalog.create_schema_if_not_exists(SCHEMA)
            connection.catalog.create_table(table)
            with Inserter(connection, table) as inserter:
                batch: list[list[Any]] = []
                for row in rows:
                    batch.append([f(v) for f, v in zip(converters, row, strict=True)])
                    if len(batch) >= _BATCH:
                        inserter.add_rows(batch)
                        count, batch = count + len(batch), []
                inserter.add_rows(batch)
                count += len(batch)
                inserter.execute()
    except (HyperException, ValueError, TypeError, ArithmeticError) as exc:
        tmp.unlink(missing_ok=True)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PublishError(f"cannot write extract {dest.name}: {message}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(dest)  # atomic, like os.replace
    return count
