"""What the parsed manifest says about one model: description, columns, tests, lineage.

``model_docs_json`` runs inside the dbt worker on its parsed manifest; the parent side
turns the answer (plus the warehouse's columns) into a ``DataDictionary``.
"""

from __future__ import annotations

from typing import Any

_NODE_KINDS = ("model", "seed", "snapshot")
MAX_LINEAGE = 200
"""Upstream nodes listed at most (a mart atop a whole project stays readable)."""


class UnknownModelError(LookupError):
    """The manifest has no model of that name."""


def model_docs_json(manifest: Any, model: str, root_package: str) -> dict[str, Any]:
    """The model's description, documented columns, generic tests and upstream lineage."""
    candidates = [
        n
        for n in manifest.nodes.values()
        if str(n.resource_type) in _NODE_KINDS and n.name == model
    ]
    if not candidates:
        raise UnknownModelError(f"{model!r} is not a model of the dbt project")
    node = next((n for n in candidates if n.package_name == root_package), candidates[0])
    return {
        "name": node.name,
        "description": node.description or "",
        "relation": _relation(node.schema, node.alias or node.name),
        "columns": {
            name: {
                "description": c.description or "",
                "data_type": c.data_type or "",
                "pii": _pii(c),
            }
            for name, c in node.columns.items()
        },
        "tests": _tests(manifest, node.unique_id),
        "lineage": _lineage(manifest, node.unique_id),
    }


def _pii(column: Any) -> str:
    """How a column marked ``meta: {pii: true}`` is treated ("hash", ...; "yes" if unsaid)."""
    meta = dict(getattr(column, "meta", None) or {})
    meta.update(getattr(getattr(column, "config", None), "meta", None) or {})
    if meta.get("pii") is not True:
        return ""
    treatment = meta.get("pii_treatment")
    return str(treatment) if isinstance(treatment, str) and treatment else "yes"


def _tests(manifest: Any, unique_id: str) -> list[dict[str, str]]:
    found = []
    for test in manifest.nodes.values():
        if str(test.resource_type) != "test" or getattr(test, "attached_node", None) != unique_id:
            continue
        meta = getattr(test, "test_metadata", None)
        if meta is None:  # a singular test: its file name says what it checks
            name = test.name
        else:
            name = f"{meta.namespace}.{meta.name}" if meta.namespace else meta.name
        found.append({"test": name, "column": getattr(test, "column_name", None) or ""})
    return found


def _lineage(manifest: Any, unique_id: str) -> list[dict[str, Any]]:
    """The model and everything upstream of it, breadth first, each with its parents."""
    entries: list[dict[str, Any]] = []
    queue, seen = [unique_id], {unique_id}
    while queue and len(entries) < MAX_LINEAGE:
        current = queue.pop(0)
        item = manifest.nodes.get(current) or manifest.sources.get(current)
        if item is None:
            continue
        parents = list(
            dict.fromkeys(getattr(getattr(item, "depends_on", None), "nodes", None) or [])
        )
        entries.append(
            {
                "name": _name(manifest, current),
                "kind": str(item.resource_type),
                "relation": _relation(
                    item.schema,
                    getattr(item, "identifier", None) or getattr(item, "alias", None) or item.name,
                ),
                "parents": [_name(manifest, p) for p in parents],
            }
        )
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return entries


def _name(manifest: Any, unique_id: str) -> str:
    source = manifest.sources.get(unique_id)
    if source is not None:
        return f"{source.source_name}.{source.name}"
    node = manifest.nodes.get(unique_id)
    return str(node.name) if node is not None else unique_id.rsplit(".", 1)[-1]


def _relation(schema: str | None, identifier: str) -> str:
    return f"{schema}.{identifier}" if schema else identifier
