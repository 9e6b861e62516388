"""A dbt test as a project manager reads it: what it checks, and the query showing failures."""

from __future__ import annotations

import re
from typing import Any

_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")
MAX_QUERY = 1000
"""The longest failing-rows query a comment shows."""


def describe_check(node: Any) -> str:
    """``customer_id is unique in fct_customer_orders``; "" for anything but a test."""
    if str(getattr(node, "resource_type", "")) != "test":
        return ""
    meta = getattr(node, "test_metadata", None)
    kwargs = dict(getattr(meta, "kwargs", None) or {})
    column = kwargs.get("column_name") or getattr(node, "column_name", None) or ""
    model = str(getattr(node, "attached_node", "") or "").rsplit(".", 1)[-1]
    name = getattr(meta, "name", "") if meta is not None else ""
    where = f" in {model}" if model else ""
    if name == "unique" and column:
        return f"{column} is unique{where}"
    if name == "not_null" and column:
        return f"{column} is never empty{where}"
    if name == "relationships" and column:
        parent = _REF.search(str(kwargs.get("to", "")))
        target = f"{kwargs.get('field', '')} of {parent.group(1)}" if parent else "its parent"
        return f"every {column}{where} is a {target}"
    if name == "accepted_values" and column:
        values = ", ".join(str(v) for v in kwargs.get("values") or ())
        return f"{column}{where} is one of {values}"
    return str(getattr(node, "name", ""))


def failing_query(node: Any, result: Any) -> str:
    """The test's compiled query (it selects the failing rows) when the test failed."""
    if str(getattr(result, "status", "")) not in {"fail", "warn"}:
        return ""
    sql = str(getattr(node, "compiled_code", "") or "").strip()
    return sql if len(sql) <= MAX_QUERY else sql[:MAX_QUERY] + "\n-- (cut)"
