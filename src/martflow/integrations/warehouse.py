"""Source introspection through the project's dbt adapter (works on any dbt warehouse)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from martflow.core.models import (
    MAX_CATEGORIES,
    PROFILE_SAMPLE,
    ColumnInfo,
    ColumnProfile,
    SourceRef,
    TableInfo,
)
from martflow.core.naming import MAX_SCHEMA_NAME, is_schema_name
from martflow.core.project import Relation
from martflow.errors import DbtError, WarehouseError
from martflow.integrations.dbt import DbtProcessRunner

Columns = tuple[ColumnInfo, ...]
# Schema names reach the adapter's listing SQL as text: plain identifiers only.


_MISSING_ADAPTER = re.compile(r"Could not find adapter type (\w+)")
_MISSING_VARIABLE = re.compile(r"Env var required but not provided: '(\w+)'")


def ping(runner: DbtProcessRunner) -> str:
    """Connect through the profile's adapter and run ``select 1``; what answered.

    Raises WarehouseError naming the adapter package or variable to provide.
    """
    try:
        answer = runner.request("ping")
    except DbtError as exc:
        text = str(exc)
        if found := _MISSING_ADAPTER.search(text):
            raise WarehouseError(
                f"the profile uses the {found[1]} adapter, which is not installed: "
                f"pip install dbt-{found[1]}"
            ) from None
        if found := _MISSING_VARIABLE.search(text):
            raise WarehouseError(
                f"profiles.yml reads {found[1]}, which is not set: set it and list it in "
                "[dbt] pass_env"
            ) from None
        raise WarehouseError(f"cannot reach the warehouse: {text}") from None
    return f"{answer['adapter']}: select 1 answered"


class DbtWarehouse:
    """``Warehouse`` port: real column names and types, read through dbt's adapter."""

    def __init__(
        self,
        runner: DbtProcessRunner,
        project_dir: Path,
        source_schemas: Mapping[str, str],
    ) -> None:
        self.runner = runner
        self.project_dir = Path(project_dir)
        self.source_schemas = dict(source_schemas)

    def schema_of(self, table: SourceRef) -> str:
        """The warehouse schema holding a source's tables (the source name by default)."""
        return self.source_schemas.get(table.source, table.source)

    def columns(self, tables: Sequence[SourceRef]) -> dict[SourceRef, list[ColumnInfo]]:
        """Columns of every table, in table order, in one request to the dbt worker.

        Raises WarehouseError naming every table the warehouse does not have.
        """
        unique = list(dict.fromkeys(tables))
        if not unique:
            return {}
        relations = [{"schema": self.schema_of(t), "table": t.table} for t in unique]
        try:
            found = self.runner.request("source_columns", relations=relations)["entries"]
        except DbtError as exc:
            raise WarehouseError(f"could not read source columns: {exc}") from exc
        missing = [
            f"{t.name} (schema {self.schema_of(t)})"
            for t, entry in zip(unique, found, strict=True)
            if not entry.get("found")
        ]
        if missing:
            raise WarehouseError(f"not in the warehouse: {', '.join(missing)}")
        return {
            t: [ColumnInfo(str(c["name"]), str(c["data_type"])) for c in entry["columns"]]
            for t, entry in zip(unique, found, strict=True)
        }

    def relation_columns(self, relations: Sequence[Relation]) -> list[Columns | None]:
        """Columns of each relation (None: the warehouse has no such relation), in one request.

        The relations come from the project's declarations (a source's schema and
        identifier, a model's relation), so any schema may be read.
        """
        if not relations:
            return []
        wanted = [
            {"database": r.database, "schema": r.schema, "table": r.identifier} for r in relations
        ]
        try:
            found = self.runner.request("source_columns", relations=wanted)["entries"]
        except DbtError as exc:
            raise WarehouseError(f"could not read columns: {exc}") from exc
        return [_columns(entry["columns"]) if entry.get("found") else None for entry in found]

    def profile(
        self,
        tables: Sequence[tuple[Relation, Sequence[str]]],
        sample: int = PROFILE_SAMPLE,
        max_values: int = MAX_CATEGORIES,
    ) -> list[dict[str, ColumnProfile]]:
        """Each relation's named columns profiled (distinct ``lower(trim(value))`` with counts,
        at most ``max_values + 1``) over its first ``sample`` rows: one query per table, all
        in one request to the dbt worker."""
        if not tables:
            return []
        wanted = [
            {"database": r.database, "schema": r.schema, "table": r.identifier, "columns": list(c)}
            for r, c in tables
        ]
        try:
            entries = self.runner.request(
                "profile", tables=wanted, sample=sample, max_values=max_values
            )["entries"]
        except DbtError as exc:
            raise WarehouseError(f"could not profile the source tables: {exc}") from exc
        profiles = []
        for (_, columns), entry in zip(tables, entries, strict=True):
            rows = int(entry["rows"])
            profiles.append(
                {
                    name: ColumnProfile(
                        tuple((str(v), int(n)) for v, n in values), rows, rows >= sample
                    )
                    for name, values in zip(columns, entry["values"], strict=True)
                }
            )
        return profiles

    def schema_tables(self, schemas: Sequence[str]) -> dict[str, list[tuple[str, Columns]]]:
        """Every table of each schema, with its columns, in one request to the dbt worker.

        Raises WarehouseError naming every schema the warehouse does not have, or one that
        is not a plain name.
        """
        unique = list(dict.fromkeys(schemas))
        if not unique:
            return {}
        if bad := [s for s in unique if not is_schema_name(s, MAX_SCHEMA_NAME)]:
            raise WarehouseError(f"{', '.join(map(repr, bad))} is not a plain schema name")
        try:
            entries = self.runner.request("schema_tables", schemas=unique)["entries"]
        except DbtError as exc:
            raise WarehouseError(f"could not list tables: {exc}") from exc
        missing = [s for s, entry in zip(unique, entries, strict=True) if not entry.get("found")]
        if missing:
            raise WarehouseError(f"schema not in the warehouse: {', '.join(missing)}")
        return {
            schema: [(str(t["table"]), _columns(t["columns"])) for t in entry["tables"]]
            for schema, entry in zip(unique, entries, strict=True)
        }

    def tables(self) -> list[TableInfo]:
        """Every table of the ``[scaffold] source_schemas`` schemas, with its columns.

        One request to the dbt worker for all schemas. A source's tables are listed under its
        spec name (``shop``), sorted by source then table; a schema two sources share is
        read once. No configured schema: an empty list, without starting dbt.

        Raises WarehouseError naming every configured schema the warehouse does not have.
        """
        schemas = list(dict.fromkeys(self.source_schemas.values()))
        if not schemas:
            return []
        if bad := [s for s in schemas if not is_schema_name(s, MAX_SCHEMA_NAME)]:
            raise WarehouseError(
                f"[scaffold] source_schemas: {', '.join(map(repr, bad))} is not a plain schema name"
            )
        try:
            entries: list[dict[str, Any]] = self.runner.request("schema_tables", schemas=schemas)[
                "entries"
            ]
        except DbtError as exc:
            raise WarehouseError(f"could not list source tables: {exc}") from exc
        missing = [s for s, entry in zip(schemas, entries, strict=True) if not entry.get("found")]
        if missing:
            raise WarehouseError(f"schema not in the warehouse: {', '.join(missing)}")
        by_schema = {
            schema: [
                (
                    str(t["table"]),
                    tuple(ColumnInfo(str(c["name"]), str(c["data_type"])) for c in t["columns"]),
                )
                for t in entry["tables"]
            ]
            for schema, entry in zip(schemas, entries, strict=True)
        }
        return [
            TableInfo(source, schema, table, columns)
            for source, schema in sorted(self.source_schemas.items())
            for table, columns in sorted(by_schema[schema])
        ]


def _columns(raw: list[dict[str, Any]]) -> Columns:
    return tuple(ColumnInfo(str(c["name"]), str(c["data_type"])) for c in raw)
