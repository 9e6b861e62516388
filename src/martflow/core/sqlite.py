"""SQLite connections as every martflow database wants them: WAL, full sync, a busy timeout."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from martflow.core.storage import os_fault, sqlite_fault


@contextmanager
def connect(path: Path, *, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """A short-lived autocommit connection with ``sqlite3.Row`` rows.

    One connection per call: sqlite3 connections must not cross threads, and the TUI
    works from worker threads while the CLI may run in another process. A full disk,
    a read-only folder or a damaged file raises StorageError naming the file.
    """
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise _storage(exc, path) from None
    try:
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=full")
        db.execute("pragma busy_timeout=30000")
        if foreign_keys:
            db.execute("pragma foreign_keys=on")
        db.row_factory = sqlite3.Row
        yield db
    except sqlite3.Error as exc:
        raise _storage(exc, path) from None
    finally:
        db.close()


@contextmanager
def transaction(path: Path, *, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """One write transaction, all or nothing.

    BEGIN IMMEDIATE takes the write lock up front, so a read-then-write cannot interleave
    with another process's.
    """
    with connect(path, foreign_keys=foreign_keys) as db:
        db.execute("begin immediate")
        try:
            yield db
        except BaseException:
            # SQLite may have rolled back already (a full disk does): nothing to undo then.
            with contextlib.suppress(sqlite3.Error):
                db.execute("rollback")
            raise
        db.execute("commit")


def open_database(path: Path, schema: str, *, foreign_keys: bool = False) -> None:
    """Create ``path``'s folder and the tables of ``schema`` if they are missing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_fault(exc) or exc from None
    with connect(path, foreign_keys=foreign_keys) as db:
        db.executescript(schema)


def _storage(exc: sqlite3.Error, path: Path) -> BaseException:
    return sqlite_fault(exc, path) or exc
