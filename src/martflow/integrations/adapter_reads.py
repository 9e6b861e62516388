"""Reads through the dbt adapter, inside the dbt worker: the same code for every warehouse.

Everything martflow reads after ``dbt build`` (mart previews, row counts, source columns,
the Tableau extract) goes through the adapter dbt built with: ``adapter.execute`` for
small results, ``get_columns_in_relation`` for columns and a DB-API cursor fetched in
batches for the extract. No warehouse library is imported here; dbt's adapter is.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from martflow.core.naming import is_bare_name
from martflow.integrations.cursor_batches import row_batches

CONNECTION = "martflow_read"
"""The name of the adapter connection martflow's reads use (shows in query logs)."""
_READABLE = {"model", "seed", "snapshot"}


class ReadError(Exception):
    """A read that cannot be done (unknown model, database error): one line for the user."""


def current_adapter(manifest: Any) -> Any:
    """The adapter the last dbt invocation registered, ready to run macros of ``manifest``."""
    from dbt.adapters.factory import get_adapter_by_type
    from dbt.context.providers import generate_runtime_macro_context

    adapter = get_adapter_by_type(manifest.metadata.adapter_type)
    adapter.set_macro_resolver(manifest)
    adapter.set_macro_context_generator(generate_runtime_macro_context)
    return adapter


@contextmanager
def connection(adapter: Any) -> Iterator[None]:
    """An adapter connection for one read, released after; database errors become ReadError."""
    try:
        with adapter.connection_named(CONNECTION):
            yield
    except ReadError:
        raise
    except Exception as exc:  # dbt's DbtDatabaseError and the driver's own errors
        raise ReadError(_one_line(exc)) from None


def model_relation(adapter: Any, manifest: Any, model: str) -> Any:
    """The relation dbt builds ``model`` (a model, seed or snapshot name) into."""
    nodes = [
        node
        for node in manifest.nodes.values()
        if str(node.resource_type) in _READABLE and node.name == model
    ]
    if not nodes:
        raise ReadError(f"{model!r} is not a model of the dbt project")
    root = adapter.config.project_name
    node = next((n for n in nodes if n.package_name == root), nodes[0])
    return adapter.Relation.create_from(adapter.config, node)


def select_rows(
    adapter: Any, sql: str, limit: int | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and up to ``limit`` rows of ``sql`` (``adapter.execute(fetch=True)``).

    The limit goes into the SQL, written by the adapter's own ``get_limit_sql`` macro (as
    ``dbt show`` does): the warehouse returns only those rows, where a driver's
    ``fetchmany`` would have the whole result sent first (psycopg2) or has none (dbt-spark).
    """
    if limit is not None:
        sql = limited_sql(adapter, sql, limit)
    with connection(adapter):
        _, table = adapter.execute(sql, fetch=True)
    return list(table.column_names), [tuple(row) for row in table.rows]


def limited_sql(adapter: Any, sql: str, limit: int) -> str:
    """``sql`` returning at most ``limit`` rows, in the adapter's dialect."""
    try:
        rendered = adapter.execute_macro(
            "get_limit_subquery_sql", kwargs={"sql": sql, "limit": int(limit)}
        )
    except Exception as exc:  # a project overriding the macro badly: say which
        raise ReadError(f"get_limit_subquery_sql failed: {_one_line(exc)}") from None
    return str(rendered).strip()


def preview(
    adapter: Any, manifest: Any, model: str, limit: int
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The first ``limit`` rows of a built model."""
    relation = model_relation(adapter, manifest, model)
    return select_rows(adapter, f"select * from {relation}", limit)


def count_rows(adapter: Any, manifest: Any, models: Sequence[str]) -> dict[str, int]:
    """Rows of each model, in one query (adapters do not all report rows affected)."""
    names = [name for name in models if is_bare_name(name)]
    if not names:
        return {}
    # Names are checked identifiers inside a literal; relations render as the adapter quotes.
    union = " union all ".join(
        f"select '{name}' as model_name, count(*) as row_count "
        f"from {model_relation(adapter, manifest, name)}"
        for name in names
    )
    _, rows = select_rows(adapter, union, None)
    return {str(name): int(n) for name, n in rows}


def column_list(adapter: Any, relation: Any) -> list[dict[str, str]]:
    """``[{"name", "data_type"}]`` of a relation (``adapter.get_columns_in_relation``)."""
    columns = []
    for column in adapter.get_columns_in_relation(relation):
        # data_type pads strings with a default size (varchar(256)); dtype does not.
        data_type = column.dtype if column.is_string() else column.data_type
        columns.append({"name": str(column.name), "data_type": str(data_type)})
    return columns


def model_columns(adapter: Any, manifest: Any, model: str) -> list[dict[str, str]]:
    """Columns of a built model, in table order; ReadError if it was never built."""
    relation = model_relation(adapter, manifest, model)
    with connection(adapter):
        columns = column_list(adapter, relation)
        if not columns and adapter.get_relation(
            relation.database, relation.schema, relation.identifier
        ):
            # Some catalogs leave relations out (Postgres' information_schema has no
            # materialized views): ask the warehouse what a select of it returns.
            described = adapter.get_column_schema_from_query(
                f"select * from {relation} where 1 = 0"
            )
            columns = [{"name": str(c.name), "data_type": str(c.data_type)} for c in described]
    if not columns:
        raise ReadError(f"{relation} has no columns in the warehouse: build {model} first")
    return columns


def source_columns(adapter: Any, relations: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """For each ``{"schema", "table"}``: whether it exists and its columns."""
    found = []
    database = adapter.config.credentials.database
    with connection(adapter):
        for rel in relations:
            relation = adapter.get_relation(
                rel.get("database") or database, rel["schema"], rel["table"]
            )
            columns = column_list(adapter, relation) if relation is not None else []
            found.append(
                {
                    "schema": rel["schema"],
                    "table": rel["table"],
                    "found": relation is not None,
                    "columns": columns,
                }
            )
    return found


def schema_tables(adapter: Any, schemas: Sequence[str]) -> list[dict[str, Any]]:
    """For each schema: whether it exists, and every relation in it with its columns."""
    found = []
    database = adapter.config.credentials.database
    with connection(adapter):
        for schema in schemas:
            exists = bool(adapter.check_schema_exists(database, schema))
            tables = []
            if exists:
                schema_relation = adapter.Relation.create(
                    database=database, schema=schema
                ).without_identifier()
                for relation in adapter.list_relations_without_caching(schema_relation):
                    tables.append(
                        {
                            "table": relation.identifier,
                            "columns": column_list(adapter, relation),
                        }
                    )
            found.append({"schema": schema, "found": exists, "tables": tables})
    return found


def connection_target(adapter: Any, manifest: Any, model: str) -> dict[str, Any]:
    """Where a built model lives and how to log in, minus any password (live workbooks)."""
    relation = model_relation(adapter, manifest, model)
    credentials = adapter.config.credentials
    fields = ("host", "port", "user", "account", "warehouse", "role")
    target = {name: getattr(credentials, name, None) for name in fields}
    target.update(
        type=adapter.type(),
        database=relation.database,
        schema=relation.schema,
        table=relation.identifier,
    )
    return {k: v if v is None or isinstance(v, int) else str(v) for k, v in target.items()}


def ping(adapter: Any) -> dict[str, Any]:
    """Connect and run ``select 1``: proof the profile reaches the warehouse."""
    _, rows = select_rows(adapter, "select 1 as ok", 1)
    return {"adapter": adapter.type(), "ok": bool(rows) and rows[0][0] == 1}


def stream_rows(
    adapter: Any,
    manifest: Any,
    model: str,
    batch_size: int,
    send_batch: Callable[[list[list[Any]]], None],
) -> int:
    """Fetch every row of a built model in batches of ``batch_size``; returns the row count.

    Memory stays at one batch where the driver streams (see ``cursor_batches``).
    """
    relation = model_relation(adapter, manifest, model)
    total = 0
    with connection(adapter):
        handle = adapter.connections.get_thread_connection().handle
        with row_batches(handle, f"select * from {relation}", batch_size) as batches:
            for batch in batches:
                send_batch([[wire_value(v) for v in row] for row in batch])
                total += len(batch)
    return total


def wire_value(value: object) -> object:
    """A warehouse value as JSON, losslessly for the extract: decimals travel as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:399] + "…"
