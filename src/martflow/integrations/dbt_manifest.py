"""The project's declared nodes: read from dbt's parsed manifest (in the worker), as a ProjectIndex.

``nodes_json`` runs inside the dbt worker on the manifest object its ``parse`` produced;
``project_index`` turns that JSON into the domain's ``ProjectIndex`` on the parent side.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from martflow.core.project import DeclaredSource, ProjectIndex, ProjectNode, Relation

_NODE_KINDS = ("model", "seed", "snapshot")
_HEADER_BYTES = 64 * 1024


def nodes_json(manifest: Any, project_dir: Path) -> dict[str, Any]:
    """Sources, models, seeds and snapshots of a parsed manifest, as plain JSON data."""
    sources = [
        {
            "unique_id": s.unique_id,
            "source": s.source_name,
            "table": s.name,
            "relation": _relation(s.database, s.schema, s.identifier),
            "path": s.original_file_path,
            "package": s.package_name,
            "columns": list(s.columns),
            "pii_columns": pii_columns(s.columns),
        }
        for s in manifest.sources.values()
    ]
    nodes = []
    for node in manifest.nodes.values():
        kind = str(node.resource_type)
        if kind not in _NODE_KINDS:
            continue
        columns = list(node.columns)
        if kind == "seed" and not columns:
            columns = seed_header(project_dir / node.original_file_path)
        nodes.append(
            {
                "unique_id": node.unique_id,
                "name": node.name,
                "kind": kind,
                "path": node.original_file_path,
                "relation": _relation(node.database, node.schema, node.alias or node.name),
                "package": node.package_name,
                "columns": columns,
                "parents": list(dict.fromkeys(getattr(node.depends_on, "nodes", None) or [])),
            }
        )
    return {"project": manifest.metadata.project_name or "", "sources": sources, "nodes": nodes}


def pii_columns(columns: dict[str, Any]) -> list[str]:
    """The columns whose ``meta`` (or ``config.meta``) says ``pii: true``."""
    marked = []
    for name, column in columns.items():
        meta = dict(getattr(column, "meta", None) or {})
        config = getattr(column, "config", None)
        meta.update(getattr(config, "meta", None) or {})
        if meta.get("pii") is True:
            marked.append(str(name))
    return marked


def seed_header(path: Path) -> list[str]:
    """The column names of a seed CSV (its first row); empty when unreadable."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline(_HEADER_BYTES)
    except OSError:
        return []
    rows = list(csv.reader([first]))
    return [name.strip() for name in rows[0]] if rows else []


def project_index(data: dict[str, Any]) -> ProjectIndex:
    """The ProjectIndex of ``nodes_json``'s output."""
    return ProjectIndex(
        name=str(data.get("project", "")),
        sources=tuple(
            DeclaredSource(
                unique_id=s["unique_id"],
                source=s["source"],
                table=s["table"],
                relation=Relation(**s["relation"]),
                path=s["path"],
                package=s["package"],
                columns=tuple(s["columns"]),
                pii_columns=tuple(s.get("pii_columns", ())),
            )
            for s in data.get("sources", [])
        ),
        nodes=tuple(
            ProjectNode(
                unique_id=n["unique_id"],
                name=n["name"],
                kind=n["kind"],
                path=n["path"],
                relation=Relation(**n["relation"]),
                package=n["package"],
                columns=tuple(n["columns"]),
                parents=tuple(n["parents"]),
            )
            for n in data.get("nodes", [])
        ),
    )


def _relation(database: str | None, schema: str | None, identifier: str) -> dict[str, str]:
    return {"database": database or "", "schema": schema or "", "identifier": identifier}
