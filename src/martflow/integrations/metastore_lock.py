"""Spark's embedded Derby metastore admits one process: say so when a second one is refused.

dbt-spark's ``session`` method keeps Spark's catalog in a Derby database that one Java
process boots at a time. A second process (a ``martflow build`` while the TUI's dbt worker
runs, or ``dbt`` by hand) gets "Unable to instantiate SessionHiveMetaStoreClient" after a
minute of retries. Derby holds an OS lock on ``dbex.lck`` while booted (its lock files stay
behind after a clean exit), so the lock itself tells whether another process has it.
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

_SIGNS = ("SessionHiveMetaStoreClient", "Another instance of Derby")
_LOCATIONS = (Path(".martflow") / "spark" / "metastore_db", Path("metastore_db"))
"""Where martflow's profile pins the metastore, and Spark's default (the working folder)."""


def explain(error: str, project_dir: Path) -> str:
    """``error``, or one line naming the busy metastore when that is what failed."""
    if not any(sign in error for sign in _SIGNS):
        return error
    for location in _LOCATIONS:
        database = project_dir / location
        if is_locked(database / "dbex.lck"):
            return (
                f"Spark's metastore {database} is in use by another process (Derby admits "
                "one at a time): close the other martflow or dbt session of this repo and retry"
            )
    return error


def is_locked(lock_file: Path) -> bool:
    """True when another process holds the POSIX lock Derby takes on ``lock_file``."""
    try:
        handle = lock_file.open("rb+")
    except OSError:
        return False
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        with contextlib.suppress(OSError):
            fcntl.lockf(handle, fcntl.LOCK_UN)
    return False
