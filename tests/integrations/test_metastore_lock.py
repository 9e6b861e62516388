"""A Spark metastore another process holds is named in one line, not a Hive stack trace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from martflow.integrations.metastore_lock import explain, is_locked

HIVE_ERROR = (
    "Runtime Error org.apache.hadoop.hive.ql.metadata.HiveException: java.lang."
    "RuntimeException: Unable to instantiate org.apache.hadoop.hive.ql.metadata."
    "SessionHiveMetaStoreClient"
)
HOLD = """
import fcntl, sys
handle = open(sys.argv[1], "rb+")
fcntl.lockf(handle, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_metastore_held_by_another_process_is_named(tmp_path: Path) -> None:
    database = tmp_path / ".martflow" / "spark" / "metastore_db"
    database.mkdir(parents=True)
    lock = database / "dbex.lck"
    lock.write_bytes(b"")  # Derby leaves its lock files behind: only the OS lock counts
    assert not is_locked(lock)
    assert explain(HIVE_ERROR, tmp_path) == HIVE_ERROR

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert is_locked(lock)
        message = explain(HIVE_ERROR, tmp_path)
        assert message == (
            f"Spark's metastore {database} is in use by another process (Derby admits one at "
            "a time): close the other martflow or dbt session of this repo and retry"
        )
        assert explain("Database Error: table not found", tmp_path).startswith("Database")
    finally:
        holder.communicate("", timeout=30)
    assert not is_locked(lock)
