"""``dbt source freshness`` on a build's upstream sources, as checks a PM reads.

Runs in the dbt worker after a build, on the sources upstream of the built models that
have a ``freshness`` block (the EL-landed tables scaffolding declares); a project whose
sources declare none pays no dbt invocation.
"""

from __future__ import annotations

from typing import Any

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


def has_freshness(manifest: Any) -> bool:
    """Whether any source of the parsed project declares a freshness check."""
    sources = getattr(manifest, "sources", None) or {}
    return any(getattr(source, "has_freshness", False) for source in sources.values())


def freshness_command(select: list[str]) -> list[str]:
    """The dbt command checking the sources upstream of ``select`` (every source if empty)."""
    return ["source", "freshness"] + (["--select", *(f"+{m}" for m in select)] if select else [])


def freshness_json(result: Any) -> dict[str, Any]:
    """One source's freshness as a build-report node (see ``core.reports.NodeResult``)."""
    node = result.node
    status = str(result.status)
    age = getattr(result, "age", None)
    detail = f"last synced {_age(age)} ago" if isinstance(age, int | float) else ""
    if not detail and status == "runtime error":
        detail = " ".join(str(result.message or "the freshness query failed").split())[:200]
    field = str(getattr(node, "loaded_at_field", "") or "")
    query = ""
    if status != "pass" and field and getattr(node, "relation_name", None):
        query = f"select max({field}) as last_synced from {node.relation_name}"
    return {
        "unique_id": node.unique_id,
        "name": f"{node.source_name}.{node.name}",
        "resource_type": "source",
        "status": status,
        "execution_time": float(result.execution_time or 0.0),
        "check": f"{node.source_name}.{node.name} was synced {_limits(node.freshness)}",
        "detail": detail,
        "query": query,
    }


def _limits(freshness: Any) -> str:
    """``within 24 hours (48 before it errors)`` from a source's freshness block."""
    warn = _span(getattr(freshness, "warn_after", None))
    error = _span(getattr(freshness, "error_after", None))
    if warn and error:
        return f"within {warn} (error after {error})"
    return f"within {warn or error}" if warn or error else "recently"


def _span(time: Any) -> str:
    count, period = getattr(time, "count", None), getattr(time, "period", None)
    if not count or period is None:
        return ""
    unit = str(getattr(period, "value", period))
    return f"{count} {unit}{'s' if count != 1 else ''}"


def _age(seconds: float) -> str:
    """``3 hours`` / ``2 days``: the largest unit that fits at least once."""
    for unit, size in _UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under a minute"
