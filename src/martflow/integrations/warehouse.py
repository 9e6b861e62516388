"""Source introspection through the project's dbt adapter (works on any dbt warehouse)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from martflow.core.models import ColumnInfo, SourceRef
from martflow.errors import DbtError, WarehouseError
from martflow.integrations.dbt import DbtProcessRunner

MACRO_NAME = "martflow_get_columns"
_MARKER = "martflow-columns:"


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


def _macro_dir(project_dir: Path) -> Path:
    """The project's first macro path (dbt_project.yml ``macro-paths``), ``macros`` by default."""
    try:
        config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
        paths = config.get("macro-paths") if isinstance(config, dict) else None
    except (OSError, yaml.YAMLError):
        paths = None
    first = paths[0] if isinstance(paths, list) and paths else "macros"
    return project_dir / str(first)


def _parse_output(output: str, expected: int) -> list[dict[str, Any]]:
    for line in output.splitlines():
        if line.startswith(_MARKER):
            try:
                entries = json.loads(line[len(_MARKER) :])
            except json.JSONDecodeError as exc:
                raise WarehouseError(f"unreadable output of {MACRO_NAME}: {exc}") from exc
            if isinstance(entries, list) and len(entries) == expected:
                return entries
            break
    raise WarehouseError(f"{MACRO_NAME} returned no column list for {expected} tables")
