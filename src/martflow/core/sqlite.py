"""SQLite connections as every martflow database wants them: WAL, full sync, a busy timeout."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def connect(path: Path, *, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """A short-lived autocommit connection with ``sqlite3.Row`` rows.

    One connection per call: sqlite3 connections must not cross threads, and the TUI
    works from worker threads while the CLI may run in another process.
    """
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=full")
        db.execute("pragma busy_timeout=30000")
        if foreign_keys:
            db.execute("pragma foreign_keys=on")
        db.row_factory = sqlite3.Row
        yield db
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
            db.execute("rollback")
            raise
        db.execute("commit")
