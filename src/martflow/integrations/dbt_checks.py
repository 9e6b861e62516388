"""A dbt test as a project manager reads it: what it checks, and the query showing failures."""

from __future__ import annotations

import re
from typing import Any

from martflow.core.naming import NOT_EMPTY_TEST as NOT_EMPTY
from martflow.core.naming import NULL_RATE_TEST as NULL_RATE

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
    if name == NOT_EMPTY and model:
        return f"{model} has rows"
    if name == NULL_RATE and column:
        rate = _percent(kwargs.get("max_rate"))
        return f"{column} is empty in at most {rate} of the rows{where}"
    return str(getattr(node, "name", ""))


def found(node: Any, failures: int | None, rows: dict[str, int]) -> str:
    """What a failing martflow test found, in words: ``37 of 200 rows empty (18.5%)`` for a
    null rate (``rows``: each built model's rows), ``no rows`` for an empty model."""
    meta = getattr(node, "test_metadata", None)
    name = getattr(meta, "name", "") if meta is not None else ""
    if not failures or str(getattr(node, "resource_type", "")) != "test":
        return ""
    if name == NOT_EMPTY:
        return "no rows"
    if name != NULL_RATE:
        return ""
    total = rows.get(str(getattr(node, "attached_node", "") or "").rsplit(".", 1)[-1])
    if not total:
        return f"{failures:,} rows empty"
    return f"{failures:,} of {total:,} rows empty ({_percent(failures / total)})"


def _percent(share: object) -> str:
    if not isinstance(share, int | float | str):
        return str(share)
    try:
        value = float(share)
    except ValueError:
        return str(share)
    return f"{round(value * 100, 1):g}%"


def failing_query(node: Any, result: Any) -> str:
    """The test's compiled query (it selects the failing rows) when the test failed."""
    if str(getattr(result, "status", "")) not in {"fail", "warn"}:
        return ""
    sql = str(getattr(node, "compiled_code", "") or "").strip()
    return sql if len(sql) <= MAX_QUERY else sql[:MAX_QUERY] + "\n-- (cut)"
