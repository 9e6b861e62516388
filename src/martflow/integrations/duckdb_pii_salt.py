"""A dbt-duckdb plugin setting the PII salt as a session variable of every connection.

List it in the profile (``plugins: [{module: martflow.integrations.duckdb_pii_salt}]``);
staging models that hash personal data read ``getvariable('martflow_pii_salt')``. The
salt comes from ``MARTFLOW_PII_SALT`` in dbt's environment and is bound as a query
parameter: it never appears in a model, the manifest, compiled SQL or dbt's logs.
Without the variable nothing is set, and a hashing model fails naming it.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from martflow.project_scaffold.pii import SALT_VARIABLE

SESSION_VARIABLE = "martflow_pii_salt"


class Plugin(BasePlugin):
    """Sets ``martflow_pii_salt`` on the connection and on each cursor dbt copies from it
    (DuckDB variables belong to one connection)."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._salt = os.environ.get(SALT_VARIABLE, "")

    def configure_connection(self, conn: Any) -> None:
        self._set(conn)

    def configure_cursor(self, cursor: Any) -> None:
        self._set(cursor)

    def _set(self, conn: Any) -> None:
        if self._salt:
            conn.execute(f"set variable {SESSION_VARIABLE} = ?", [self._salt])
