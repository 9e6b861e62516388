"""Let go of a DuckDB file while the dbt worker waits, so the user's own tools can open it.

dbt-duckdb keeps its database open between invocations (``keep_open`` defaults to true),
and DuckDB lets one process at a time write a file: an idle TUI would make the user's
``duckdb`` shell or their own ``dbt build`` fail with "Could not set lock on file". The
worker calls :func:`release_idle_warehouse` after every request; the next request opens
the file again (a few milliseconds), seeing whatever other processes wrote meanwhile.
"""

from __future__ import annotations

import sys


def release_idle_warehouse() -> bool:
    """Close dbt-duckdb's local database if no connection uses it; True if one was closed.

    Only a file on this machine is released: an in-memory database would lose its
    tables, and MotherDuck or a remote DuckDB hold no local lock.
    """
    if "dbt.adapters.duckdb.connections" not in sys.modules:
        return False  # another adapter, or DuckDB not opened yet
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.duckdb.environments.local import LocalEnvironment

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if type(env) is not LocalEnvironment:  # None, MotherDuck or a remote server
            return False
        creds = env.creds
        if creds.path == ":memory:" or creds.remote or creds.is_motherduck:
            return False
        with env.lock:
            if env.conn is None or env.handle_count > 0:
                return False
            env.close()
    return True
