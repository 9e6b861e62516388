"""Cookiecutter contexts for the three templates: validated identifiers and flags only.

Warehouse column names are untrusted and may hold Jinja; a name that is not a plain
identifier enters the context as a placeholder, replaced in the rendered text afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from martflow.core.models import ColumnRef
from martflow.core.naming import intermediate_model, surrogate_key
from martflow.core.quoting import IdentifierPolicy, is_plain
from martflow.errors import ScaffoldError
from martflow.project_scaffold.blueprint import Blueprint
from martflow.project_scaffold.naming import adapter_quoted, validate_identifier
from martflow.project_scaffold.staging import StagedTable

Context = dict[str, object]


@dataclass
class Rendering:
    """One template to render: which one, its context, and placeholders to fill after."""

    template: str  # "staging" | "intermediate" | "mart"
    context: Context
    replacements: dict[str, str] = field(default_factory=dict)
    noqa: dict[str, str] = field(default_factory=dict)  # placeholder -> sqlfluff codes


def placeholder(index: int, kind: str = "COLUMN") -> str:
    """Upper case, so it can never equal a plain (lowercase) column reference."""
    return f"__MARTFLOW_{kind}_{index}__"


def staging_rendering(table: StagedTable) -> Rendering:
    """The staging model of one raw table."""
    columns: list[Context] = []
    replacements: dict[str, str] = {}
    noqa: dict[str, str] = {}
    for index, column in enumerate(table.columns):
        source, expr = column.sql, column.expression
        if not is_plain(source):
            source = placeholder(index)
            replacements[source] = column.sql
        if not is_plain(expr):
            expr = placeholder(index, "EXPR")
            replacements[expr] = column.expression
        for mark in (source, expr):
            if mark in replacements and column.noqa:
                noqa[mark] = column.noqa
        # ``expr`` is the whole select expression; ``source`` and ``cast`` its parts (for
        # templates of your own).
        columns.append({"name": column.name, "source": source, "cast": column.cast, "expr": expr})
    soft_delete: Context | str = ""
    if table.loader.deleted:
        marker = placeholder(len(table.columns))
        replacements[marker] = adapter_quoted(table.loader.deleted)
        soft_delete = {"source": marker, "kind": table.loader.deleted_kind}
    salt = ""
    if table.salt:
        salt = placeholder(0, "SALT")
        replacements[salt] = table.salt
    context: Context = {
        "layer": "staging",
        "source": table.ref.source,
        "table": table.ref.table,
        "model": table.model,
        "columns": columns,
        "soft_delete": soft_delete,
        "salt": salt,
    }
    return Rendering("staging", context, replacements, noqa)


def intermediate_rendering(blueprint: Blueprint, policy: IdentifierPolicy) -> Rendering:
    """The model joining the staged tables and selecting what the mart needs."""

    def cte(table: str) -> str:
        return f"{table}_" if policy.is_keyword(table) else table

    def column(ref: ColumnRef) -> Context:
        return {"cte": cte(ref.table), "column": ref.column}

    context: Context = {
        "layer": "intermediate",
        "mart": blueprint.spec.mart,
        "model": intermediate_model(blueprint.spec.mart),
        "imports": [{"cte": cte(t.ref.table), "model": t.model} for t in blueprint.tables],
        "base": cte(blueprint.tables[0].ref.table),
        "joins": [
            {
                "cte": cte(step.table),
                "conditions": [
                    {"left": column(old), "right": column(new)} for old, new in step.conditions
                ],
            }
            for step in blueprint.joins
        ],
        "columns": [{**column(ref), "alias": alias} for ref, alias in blueprint.selected],
        "period": "",
    }
    time = blueprint.spec.time
    if time is not None:
        if time.name in {alias for _, alias in blueprint.selected}:
            raise ScaffoldError(f"time: the period column {time.name!r} is taken by another column")
        source = blueprint.resolve(time.column)
        context["period"] = {**column(source), "grain": time.grain, "name": time.name}
    return Rendering("intermediate", context)


def mart_rendering(blueprint: Blueprint) -> Rendering:
    """The fact or dimension model: grain, dimensions, aggregated measures."""
    spec = blueprint.spec
    grain = blueprint.mart_grain()
    dims = [blueprint.alias(d) for d in spec.dimensions]
    group = list(dict.fromkeys(grain + dims))
    measures: list[Context] = []
    for measure in spec.measures:
        name = validate_identifier(measure.name, "measure name")
        if name in group:
            raise ScaffoldError(f"measures: {name!r} is also a grain or dimension column")
        column = blueprint.alias(measure.column) if measure.column else ""
        function = validate_identifier(measure.function, "measure function")
        window: Context | str = ""
        if measure.rolling and spec.time is not None:
            # A rolling measure sums (or keeps the min/max of) the last N periods' values.
            window = {
                "function": function if function in {"min", "max"} else "sum",
                "partition": [g for g in grain if g != spec.time.name],
                "order": spec.time.name,
                "preceding": measure.rolling - 1,
            }
        measures.append(
            {
                "name": name,
                "function": function,
                "column": column,
                "distinct": bool(measure.distinct and column),
                "window": window,
            }
        )
    incremental: Context | str = ""
    if spec.incremental is not None:
        # The mart keeps the newest key of each row's inputs: the next build compares to it.
        column = blueprint.alias(spec.incremental)
        if column not in group:
            if any(m["name"] == column for m in measures):
                raise ScaffoldError(f"incremental: {column!r} is also a measure name")
            measures.append(
                {
                    "name": column,
                    "function": "max",
                    "column": column,
                    "distinct": False,
                    "window": "",
                }
            )
        incremental = {"column": column, "grain": grain}
    context: Context = {
        "layer": "marts",
        "mart": spec.mart,
        "model": spec.mart_model,
        "upstream": intermediate_model(spec.mart),
        "columns": group,
        "key": surrogate_key(spec.mart) if len(grain) > 1 else "",
        "key_columns": grain if len(grain) > 1 else [],
        "measures": measures,
        "select_distinct": not measures,
        "incremental": incremental,
    }
    return Rendering("mart", context)
