"""Storage faults (full disk, read-only folder, damaged SQLite file) as one actionable line."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from martflow.errors import StorageError

_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
# SQLite's primary result codes (the low byte of the extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26


def full(where: Path | str) -> StorageError:
    return StorageError(
        f"no space left on the disk holding {where}: free some space and run again "
        "(what was recorded before is intact)"
    )


def read_only(where: Path | str) -> StorageError:
    return StorageError(
        f"{where} is read-only: make it writable (martflow keeps its state there) and run again"
    )


def os_fault(exc: OSError) -> StorageError | None:
    """The StorageError for a full disk or a read-only place, or None for other failures."""
    where = exc.filename or "a file martflow writes"
    if exc.errno in _FULL:
        return full(where)
    if exc.errno in _READ_ONLY:
        return read_only(where)
    return None


def sqlite_fault(exc: sqlite3.Error, path: Path) -> StorageError | None:
    """The StorageError for a SQLite failure of the storage itself, or None for a bug."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == _SQLITE_FULL or (primary == _SQLITE_IOERR and _no_space(path.parent)):
        return full(path)
    if primary == _SQLITE_READONLY or (
        primary == _SQLITE_CANTOPEN and path.parent.is_dir() and not os.access(path.parent, os.W_OK)
    ):
        return read_only(path.parent)
    if primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return StorageError(
            f"{path} is damaged (not a readable SQLite database): move it aside and run "
            "again to start it afresh, or restore it from a backup"
        )
    if primary == _SQLITE_CANTOPEN:
        return StorageError(f"cannot open {path}: check that {path.parent} exists and is writable")
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StorageError(f"{path} stayed locked by another process; run again when it is done")
    if primary == _SQLITE_IOERR:
        name = getattr(exc, "sqlite_errorname", "an I/O error")
        return StorageError(f"cannot read or write {path} ({name}): check the disk and run again")
    return None


def _no_space(folder: Path) -> bool:
    """True when the disk holding ``folder`` is (all but) full: SQLite's I/O errors hide ENOSPC."""
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < 64 * 1024
