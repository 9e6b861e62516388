"""The dbt side of the worker: one warm dbtRunner answering build, show and read requests.

``dbt_worker`` runs it in the worker process; nothing here speaks the line protocol.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from martflow.integrations import adapter_reads as reads
from martflow.integrations.dbt_checks import describe_check, failing_query, found
from martflow.integrations.dbt_freshness import freshness_command, freshness_json, has_freshness

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WATCHED_DIR_KEYS: tuple[tuple[str, list[str]], ...] = (
    ("model-paths", ["models"]),
    ("macro-paths", ["macros"]),
    ("seed-paths", ["seeds"]),
    ("snapshot-paths", ["snapshots"]),
    ("test-paths", ["tests"]),
    ("analysis-paths", ["analyses"]),
    ("docs-paths", []),
)
_WATCHED_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml", "selectors.yml")
_PARSE_EVENTS = {
    **dict.fromkeys(("PartialParsingEnabled", "PartialParsingSkipParsing"), "partial"),
    **dict.fromkeys(("UnableToPartialParse", "PartialParsingError"), "full"),
}
"""dbt's events saying how a parse went: from its saved state, or every file again."""

Emit = Callable[[dict[str, Any]], None]


def one_line(text: str, limit: int = 400) -> str:
    """Collapse a multi-line dbt message into one line without colour codes."""
    parts = [p.strip() for p in _ANSI.sub("", text).splitlines()]
    line = " ".join(p for p in parts if p)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def to_json_value(value: object) -> object:
    """A warehouse value as something JSON can carry (the preview only displays it)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _iter_watched(project_dir: Path) -> Iterator[Path]:
    import yaml  # a dbt dependency, always present in the worker

    try:
        config = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        config = {}
    for name in _WATCHED_FILES:
        yield project_dir / name
    for key, default in _WATCHED_DIR_KEYS:
        for rel in config.get(key, default) or []:
            root = project_dir / str(rel)
            if root.is_dir():
                yield from (p for p in root.rglob("*") if p.is_file())
    packages = project_dir / str(config.get("packages-install-path", "dbt_packages"))
    if packages.is_dir():
        yield from (p for p in packages.rglob("*") if p.is_file())


def project_fingerprint(project_dir: Path, profiles_dir: Path) -> tuple[tuple[object, ...], ...]:
    """Stat of every file that can change the parsed manifest (path, inode, size, mtime)."""
    items = []
    for path in [*_iter_watched(project_dir), profiles_dir / "profiles.yml"]:
        try:
            st = path.stat()
        except OSError:
            continue
        items.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(sorted(items))


class Invocation:
    """What one request saw: its dbt events, jinja log lines and first error."""

    def __init__(
        self,
        emit_event: Callable[[str], None],
        send: Callable[[dict[str, Any]], None] = lambda message: None,
    ) -> None:
        self.emit_event = emit_event
        self.send = send
        """Sends a message of this request to the parent (``rows`` batches of a stream)."""
        self.invocation_id = ""
        self.jinja_logs: list[str] = []
        self.first_error = ""
        self.muted = False
        self.parse: dict[str, Any] = {"kind": "full"}
        """How dbt's last parse in this request went (see _PARSE_EVENTS)."""


class DbtSession:
    """A dbtRunner kept alive across requests, reusing the parsed manifest."""

    def __init__(self, project_dir: Path, profiles_dir: Path, target: str | None) -> None:
        from dbt.cli.main import dbtRunner  # heavy (~2 s): paid once, by this process only

        self.project_dir = project_dir
        self.profiles_dir = profiles_dir
        self.target = target
        self.runner = dbtRunner(callbacks=[self._on_dbt_event])
        self._fingerprint: tuple[tuple[object, ...], ...] | None = None
        self._current: Invocation | None = None
        self.commands: list[str] = []
        self.parses: list[dict[str, Any]] = []
        """How each parse went: ``{"kind": "partial", "changed": 1, ...}``, ``{"kind": "full"}``."""

    def _on_dbt_event(self, msg: Any) -> None:
        current = self._current
        if current is None:
            return
        info = msg.info
        if info.invocation_id:
            current.invocation_id = info.invocation_id
        if info.name == "JinjaLogInfo":
            current.jinja_logs.append(info.msg)
        if info.name in _PARSE_EVENTS:
            current.parse = {"kind": _PARSE_EVENTS[info.name]}
            if info.name == "PartialParsingEnabled":
                data = msg.data
                current.parse.update(added=data.added, changed=data.changed, deleted=data.deleted)
        if info.level == "error" and not current.first_error and info.msg.strip():
            current.first_error = one_line(info.msg)
        if not current.muted and info.level in ("info", "warn", "error") and info.msg.strip():
            current.emit_event(one_line(info.msg))

    def _invoke(self, command: list[str], inv: Invocation) -> Any:
        args = [
            *command,
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir),
            "--log-level",
            "none",
            "--no-use-colors",
        ]
        if self.target:
            args += ["--target", self.target]
        if command[0] != "parse":
            # Results come back as objects: rewriting target/manifest.json for a reused
            # manifest took as long as the build itself in a 1,000-model project
            # (bench/build_bench.py). `parse` still writes it; build() writes run_results.
            args.append("--no-write-json")
        self.commands.append(command[0])
        self._current = inv
        try:
            res = self.runner.invoke(args)
        finally:
            self._current = None
        if res.exception is not None:
            raise WorkerError(one_line(str(res.exception)) or type(res.exception).__name__)
        if not res.success and res.result is None:
            raise WorkerError(inv.first_error or f"dbt {command[0]} failed")
        return res

    def _ensure_manifest(self, inv: Invocation) -> None:
        # Reusing the parsed manifest beats dbt's own partial parsing (see bench/), but
        # only while no file dbt parses has changed, so re-parse when the stat changes.
        fingerprint = project_fingerprint(self.project_dir, self.profiles_dir)
        if self.runner.manifest is not None and fingerprint == self._fingerprint:
            return
        self.runner.manifest = None
        res = self._invoke(["parse"], inv)
        self.parses.append(inv.parse)
        self.runner.manifest = res.result
        self._fingerprint = fingerprint

    def build(
        self, select: list[str], mart: str | None, inv: Invocation, freshness: bool = False
    ) -> dict[str, Any]:
        self._ensure_manifest(inv)
        command = ["build"] + (["--select", *select] if select else [])
        res = self._invoke(command, inv)
        # What dbt writes after a build, for CI and other tools (--no-write-json skipped it).
        res.result.write(str(self._target_dir() / "run_results.json"))
        build_id = inv.invocation_id  # the row count below is another invocation
        results = res.result.results
        nodes = [_node_json(r) for r in results]
        built = [n for r, n in zip(results, nodes, strict=True) if _countable(r)]
        # Counted, not taken from rows_affected: adapters report DDL status rows there
        # (Snowflake says 1 for a table it created), or nothing (DuckDB).
        counts = self._count_rows([n["name"] for n in built], inv)
        for node in built:
            node["rows"] = counts.get(node["name"])
        for result, node in zip(results, nodes, strict=True):
            node["detail"] = found(result.node, node["failures"], counts)
        mart_rows = next((n["rows"] for n in built if n["name"] == mart), None)
        fresh = self.freshness(select, inv) if freshness else []
        return {
            "invocation_id": build_id,
            "nodes": nodes,
            "mart_rows": mart_rows,
            "freshness": fresh,
        }

    def freshness(self, select: list[str], inv: Invocation) -> list[dict[str, Any]]:
        """``dbt source freshness`` of the sources upstream of ``select`` that declare it."""
        if not has_freshness(self.runner.manifest):
            return []
        try:
            res = self._invoke(freshness_command(select), inv)
        except WorkerError as exc:  # the build's results still stand
            inv.emit_event(f"source freshness unavailable: {exc}")
            return []
        return [freshness_json(r) for r in res.result.results]

    def _target_dir(self) -> Path:
        """dbt's target folder: $DBT_TARGET_PATH, else dbt_project.yml's, else `target`."""
        name = os.environ.get("DBT_TARGET_PATH")
        if not name:
            import yaml

            try:
                data = yaml.safe_load((self.project_dir / "dbt_project.yml").read_text())
            except (OSError, yaml.YAMLError):
                data = None
            name = data.get("target-path") if isinstance(data, dict) else None
        return self.project_dir / (name if isinstance(name, str) and name else "target")

    def _count_rows(self, models: list[str], inv: Invocation) -> dict[str, int]:
        """Rows of each model, in one query through the adapter (dbt-duckdb reports none)."""
        try:
            return reads.count_rows(self.adapter(inv), self.runner.manifest, models)
        except reads.ReadError as exc:
            inv.emit_event(f"row counts unavailable: {exc}")
            return {}

    def adapter(self, inv: Invocation) -> Any:
        """The project's dbt adapter, with the current manifest's macros."""
        self._ensure_manifest(inv)
        return reads.current_adapter(self.runner.manifest)

    def show(self, model: str, limit: int, inv: Invocation) -> dict[str, Any]:
        adapter = self.adapter(inv)
        columns, rows = _reading(reads.preview, adapter, self.runner.manifest, model, limit)
        return {"columns": columns, "rows": [[to_json_value(v) for v in row] for row in rows]}

    def read(self, request: dict[str, Any], inv: Invocation) -> dict[str, Any]:
        """The read-only operations martflow does through the adapter (see adapter_reads)."""
        op = request["op"]
        adapter = self.adapter(inv)
        manifest = self.runner.manifest
        if op == "columns":
            return {"columns": _reading(reads.model_columns, adapter, manifest, request["model"])}
        if op == "source_columns":
            return {"entries": _reading(reads.source_columns, adapter, request["relations"])}
        if op == "schema_tables":
            return {"entries": _reading(reads.schema_tables, adapter, request["schemas"])}
        if op == "profile":
            from martflow.integrations.adapter_profile import profile_tables

            entries = _reading(
                profile_tables,
                adapter,
                request["tables"],
                int(request["sample"]),
                int(request["max_values"]),
            )
            return {"entries": entries}
        if op == "ping":
            return dict(_reading(reads.ping, adapter))
        if op == "connection":
            return dict(_reading(reads.connection_target, adapter, manifest, request["model"]))
        if op == "model_docs":
            return self.model_docs(adapter, request["model"])
        if op == "stream":
            count = _reading(
                reads.stream_rows,
                adapter,
                manifest,
                request["model"],
                int(request["batch"]),
                lambda rows: inv.send({"kind": "rows", "rows": rows}),
            )
            return {"rows": count}
        raise WorkerError(f"unknown read {op!r}")

    def model_docs(self, adapter: Any, model: str) -> dict[str, Any]:
        """What the manifest says of ``model`` and its columns in the warehouse (catalog)."""
        from martflow.integrations.dbt_model_docs import UnknownModelError, model_docs_json

        manifest = self.runner.manifest
        try:
            docs = model_docs_json(manifest, model, adapter.config.project_name)
        except UnknownModelError as exc:
            raise WorkerError(str(exc)) from None
        catalog = _reading(reads.model_columns, adapter, manifest, model)
        return {"model": docs, "catalog": catalog, "lineage": docs.pop("lineage")}

    def project_nodes(self, inv: Invocation) -> dict[str, Any]:
        """The parsed project's sources, models, seeds and snapshots (see dbt_manifest.py)."""
        from martflow.integrations.dbt_manifest import nodes_json

        self._ensure_manifest(inv)
        return nodes_json(self.runner.manifest, self.project_dir)


class WorkerError(Exception):
    """A dbt failure to report to the parent as one line."""


def _reading(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except reads.ReadError as exc:
        raise WorkerError(str(exc)) from None


def _countable(result: Any) -> bool:
    """A model this build wrote successfully as a relation (ephemerals are not stored)."""
    node = result.node
    materialized = getattr(getattr(node, "config", None), "materialized", "")
    return (
        str(node.resource_type) == "model"
        and str(result.status) == "success"
        and materialized != "ephemeral"
    )


def _node_json(result: Any) -> dict[str, Any]:
    node = result.node
    return {
        "unique_id": node.unique_id,
        "name": node.name,
        "resource_type": str(node.resource_type),
        "status": str(result.status),
        "execution_time": float(result.execution_time or 0.0),
        "message": one_line(result.message or ""),
        "rows": None,
        "materialized": str(getattr(getattr(node, "config", None), "materialized", "") or ""),
        "check": describe_check(node),
        "failures": result.failures if isinstance(result.failures, int) else None,
        "query": failing_query(node, result),
    }
