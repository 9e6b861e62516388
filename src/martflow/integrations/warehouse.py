"""Source introspection through the project's dbt adapter (works on any dbt warehouse)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from martflow.core.models import ColumnInfo, SourceRef, TableInfo
from martflow.errors import DbtError, WarehouseError
from martflow.integrations.dbt import DbtProcessRunner

MACRO_NAME = "martflow_get_columns"
LIST_MACRO = "martflow_list_tables"
_MARKER = "martflow-columns:"
_TABLES_MARKER = "martflow-tables:"
# Schema names reach the adapter's listing SQL as text: plain identifiers only.
_SCHEMA = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,126}")


def macro_text() -> str:
    """The shipped introspection macro."""
    path = resources.files("martflow") / "templates" / "macros" / f"{MACRO_NAME}.sql"
    return path.read_text(encoding="utf-8")


def install_macro(project_dir: Path) -> bool:
    """Write the macro into the project's macro folder unless it is there and current.

    Returns True when the file was written. The write is atomic: dbt never parses half.
    """
    target = _macro_dir(Path(project_dir)) / f"{MACRO_NAME}.sql"
    text = macro_text()
    try:
        if target.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{MACRO_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(0o644)  # mkstemp makes it 0600; the project's other files are not
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


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
        """Columns of every table, in table order, from one ``dbt run-operation``.

        Raises WarehouseError naming every table the warehouse does not have.
        """
        unique = list(dict.fromkeys(tables))
        if not unique:
            return {}
        install_macro(self.project_dir)
        relations = [{"schema": self.schema_of(t), "table": t.table} for t in unique]
        try:
            output = self.runner.run_operation(MACRO_NAME, {"relations": relations})
        except DbtError as exc:
            raise WarehouseError(f"could not read source columns: {exc}") from exc
        found = _parse_output(output, len(unique))
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

    def tables(self) -> list[TableInfo]:
        """Every table of the ``[scaffold] source_schemas`` schemas, with its columns.

        One ``dbt run-operation`` for all schemas. A source's tables are listed under its
        spec name (``shop``), sorted by source then table; a schema two sources share is
        read once. No configured schema: an empty list, without starting dbt.

        Raises WarehouseError naming every configured schema the warehouse does not have.
        """
        schemas = list(dict.fromkeys(self.source_schemas.values()))
        if not schemas:
            return []
        if bad := [s for s in schemas if not _SCHEMA.fullmatch(s)]:
            raise WarehouseError(
                f"[scaffold] source_schemas: {', '.join(map(repr, bad))} is not a plain schema name"
            )
        install_macro(self.project_dir)
        try:
            output = self.runner.run_operation(LIST_MACRO, {"schemas": schemas})
        except DbtError as exc:
            raise WarehouseError(f"could not list source tables: {exc}") from exc
        entries = _parse_output(output, len(schemas), _TABLES_MARKER, LIST_MACRO)
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


def _macro_dir(project_dir: Path) -> Path:
    """The project's first macro path (dbt_project.yml ``macro-paths``), ``macros`` by default."""
    try:
        config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
        paths = config.get("macro-paths") if isinstance(config, dict) else None
    except (OSError, yaml.YAMLError):
        paths = None
    first = paths[0] if isinstance(paths, list) and paths else "macros"
    return project_dir / str(first)


def _parse_output(
    output: str, expected: int, marker: str = _MARKER, macro: str = MACRO_NAME
) -> list[dict[str, Any]]:
    for line in output.splitlines():
        if line.startswith(marker):
            try:
                entries = json.loads(line[len(marker) :])
            except json.JSONDecodeError as exc:
                raise WarehouseError(f"unreadable output of {macro}: {exc}") from exc
            if isinstance(entries, list) and len(entries) == expected:
                return entries
            break
    what = "column list" if macro == MACRO_NAME else "table list"
    unit = "tables" if macro == MACRO_NAME else "schemas"
    raise WarehouseError(f"{macro} returned no {what} for {expected} {unit}")
