"""A query's rows in batches, from whatever cursor a dbt adapter's connection hands out.

DB-API drivers fetch with ``fetchmany``; where they offer named (server-side) cursors
(psycopg2 and psycopg: Postgres, Redshift) one is used, so the server keeps the result.
dbt-spark wraps its drivers in a connection object that is also its own cursor and has no
``fetchmany``: the driver's cursor it wraps does (thrift, http, odbc), and the ``session``
method's holds a Spark DataFrame, read partition by partition with ``toLocalIterator``.
Only a cursor offering none of these is read whole (``fetchall``).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_CURSOR = "martflow_extract"


@contextmanager
def row_batches(handle: Any, sql: str, batch_size: int) -> Iterator[Iterator[Sequence[Any]]]:
    """Run ``sql`` on the connection ``handle``; yields an iterator of row batches."""
    cursor = _batch_cursor(handle, batch_size)
    try:
        cursor.execute(sql)
        yield _batches(cursor, batch_size)
    finally:
        # dbt-spark's wrapper is the connection itself: closing it would close the connection.
        if cursor is not handle:
            cursor.close()
        _end_transaction(handle)


def _batches(cursor: Any, size: int) -> Iterator[Sequence[Any]]:
    inner = getattr(cursor, "_cursor", None)  # what dbt-spark's wrapper wraps
    frame = getattr(inner, "_df", None)  # dbt-spark session: a pyspark DataFrame
    if frame is not None and hasattr(frame, "toLocalIterator"):
        rows = frame.toLocalIterator(prefetchPartitions=False)
        while batch := list(itertools.islice(rows, size)):
            yield batch
        return
    fetchmany = getattr(cursor, "fetchmany", None) or getattr(inner, "fetchmany", None)
    if callable(fetchmany):
        while batch := fetchmany(size):
            yield batch
        return
    rows = list(cursor.fetchall() or [])
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _batch_cursor(handle: Any, batch_size: int) -> Any:
    try:
        cursor = handle.cursor(name=_CURSOR)
    except TypeError:  # the driver has no server-side cursors
        return handle.cursor()
    cursor.itersize = batch_size
    return cursor


def _end_transaction(handle: Any) -> None:
    # A server-side cursor lives in a transaction; a read has nothing to commit.
    rollback = getattr(handle, "rollback", None)
    if callable(rollback):
        # Drivers without transactions refuse; nothing is lost.
        with contextlib.suppress(Exception):
            rollback()
