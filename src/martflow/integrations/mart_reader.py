"""Reads a built mart out of the project's DuckDB warehouse, read-only, for extracts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from martflow.errors import PublishError

_BATCH = 10_000


@dataclass(frozen=True)
class DuckDBTarget:
    """Where the dbt profile says the mart lives."""

    path: Path
    schema: str


class DuckDBMartReader:
    """Finds the DuckDB file from the dbt profile and streams a model's rows from it.

    Only duckdb targets are supported for now; other adapters raise PublishError.
    """

    def __init__(self, project_dir: Path, profiles_dir: Path, target: str | None = None) -> None:
        self.project_dir = Path(project_dir)
        self.profiles_dir = Path(profiles_dir)
        self.target = target

    def locate(self) -> DuckDBTarget:
        """The database file and schema of the selected target."""
        profile_name = _load_yaml(self.project_dir / "dbt_project.yml").get("profile")
        if not isinstance(profile_name, str) or not profile_name:
            raise PublishError(f"{self.project_dir / 'dbt_project.yml'}: no 'profile' named")
        profiles_path = self.profiles_dir / "profiles.yml"
        profile = _load_yaml(profiles_path).get(profile_name)
        if not isinstance(profile, dict):
            raise PublishError(f"{profiles_path}: no profile named {profile_name!r}")
        target = self.target or profile.get("target") or "dev"
        output = (profile.get("outputs") or {}).get(target)
        if not isinstance(output, dict):
            raise PublishError(
                f"{profiles_path}: profile {profile_name!r} has no target {target!r}"
            )
        adapter = output.get("type")
        if adapter != "duckdb":
            raise PublishError(
                f"target {target!r} uses the {adapter!r} adapter: "
                "only duckdb targets can be extracted for now"
            )
        raw_path = str(output.get("path") or "")
        if not raw_path or raw_path == ":memory:" or "{{" in raw_path or raw_path.startswith("md:"):
            raise PublishError(
                f"{profiles_path}: target {target!r} needs a literal database file 'path' "
                f"to extract from, got {raw_path or 'none'!r}"
            )
        path = Path(raw_path).expanduser()
        if not path.is_absolute():
            path = self.project_dir / path
        schema = str(output.get("schema") or "main")
        return DuckDBTarget(path=path, schema=schema)

    def read(self, model: str) -> tuple[list[tuple[str, str]], Iterator[tuple[Any, ...]]]:
        """Columns ``(name, duckdb_type)`` and a row iterator of ``select * from`` the model.

        The database is opened read-only and closed when the iterator is exhausted
        or closed.
        """
        import duckdb

        where = self.locate()
        if not where.path.is_file():
            raise PublishError(f"warehouse {where.path} does not exist: build the mart first")
        try:
            conn = duckdb.connect(str(where.path), read_only=True)
        except duckdb.Error as exc:
            raise PublishError(f"cannot open warehouse {where.path}: {exc}") from None
        try:
            cursor = conn.execute(f"select * from {_quote(where.schema)}.{_quote(model)}")
        except duckdb.Error as exc:
            conn.close()
            first_line = str(exc).splitlines()[0]
            raise PublishError(
                f"cannot read mart {where.schema}.{model} from {where.path.name}: {first_line}"
            ) from None
        columns = [(str(d[0]), str(d[1])) for d in cursor.description or ()]
        return columns, _rows(conn, cursor)


def _rows(conn: Any, cursor: Any) -> Iterator[tuple[Any, ...]]:
    try:
        while batch := cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        conn.close()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PublishError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PublishError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise PublishError(f"{path}: expected a mapping at the top level")
    return data
