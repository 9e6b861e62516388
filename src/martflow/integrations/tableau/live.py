"""A live connection: the workbook queries the mart in the warehouse instead of an extract."""

from __future__ import annotations

from dataclasses import dataclass

from martflow.errors import PublishError

LIVE_CLASSES = {"postgres": "postgres", "redshift": "redshift", "snowflake": "snowflake"}
"""dbt adapter type -> Tableau connection class this workbook can declare."""
DEFAULT_PORTS = {"postgres": 5432, "redshift": 5439, "snowflake": 443}
PASSWORD_VARIABLES = {
    "postgres": "PGPASSWORD",
    "redshift": "PGPASSWORD",
    "snowflake": "SNOWFLAKE_PASSWORD",
}
"""Where `[tableau] embed_credentials` finds the warehouse password, by adapter."""


@dataclass(frozen=True)
class LiveConnection:
    """Where the mart lives, from the dbt target; never a password."""

    adapter: str
    server: str
    port: int
    database: str
    schema: str
    table: str
    username: str
    warehouse: str = ""
    role: str = ""

    @property
    def tableau_class(self) -> str:
        return LIVE_CLASSES[self.adapter]

    @property
    def password_variable(self) -> str:
        """The environment variable holding this warehouse's password."""
        return PASSWORD_VARIABLES[self.adapter]

    @classmethod
    def from_target(cls, target: dict[str, object]) -> LiveConnection:
        """Build from the dbt worker's ``connection`` answer; PublishError for other adapters."""
        adapter = str(target.get("type") or "")
        if adapter not in LIVE_CLASSES:
            raise PublishError(
                f"[tableau] connection = 'live' supports {', '.join(sorted(LIVE_CLASSES))} "
                f"targets; this one uses {adapter!r}: use connection = 'extract'"
            )
        server = str(target.get("host") or "")
        if adapter == "snowflake":
            server = server or f"{target.get('account')}.snowflakecomputing.com"
        port = target.get("port") or DEFAULT_PORTS[adapter]
        return cls(
            adapter=adapter,
            server=server,
            # mypy: a profile value: int() raises for a bad one
            port=int(port),  # type: ignore[call-overload]
            database=str(target.get("database") or ""),
            schema=str(target.get("schema") or ""),
            table=str(target.get("table") or ""),
            username=str(target.get("user") or ""),
            warehouse=str(target.get("warehouse") or ""),
            role=str(target.get("role") or ""),
        )
