"""The profile scaffolding reads from a raw table: its text columns' normalized values.

One query per table, through the dbt adapter (inside the dbt worker): a sample of the
table's first rows, and per text column its distinct ``lower(trim(value))`` with counts,
at most ``max_values + 1`` of them (one more than a category may have says "too many").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from martflow.integrations import adapter_reads as reads


def quoted(adapter: Any, name: str) -> str:
    """A column name as the adapter quotes it, its quote characters doubled (see
    ``project_scaffold.naming.adapter_quoted``)."""
    return str(adapter.quote(name.replace('"', '""').replace("`", "``")))


def profile_sql(
    adapter: Any, relation: Any, columns: Sequence[str], sample: int, max_values: int
) -> str:
    """The one query profiling ``columns`` of ``relation`` over its first ``sample`` rows.

    Rows: ``(column_index, value, row_count)``; index -1 counts the sample's rows.
    """
    sampled = reads.limited_sql(adapter, f"select * from {relation}", sample)
    branches = ["select -1 as column_index, null as column_value, count(*) as row_count from s"]
    for index, name in enumerate(columns):
        value = f"lower(trim({quoted(adapter, name)}))"
        grouped = (
            f"select {int(index)} as column_index, {value} as column_value, "
            f"count(*) as row_count from s where {value} is not null group by {value}"
        )
        limited = reads.limited_sql(adapter, grouped, max_values + 1)
        branches.append(f"select * from ({limited}) as c{int(index)}")
    return f"with s as ({sampled}) " + " union all ".join(branches)


def profile_tables(
    adapter: Any, tables: Sequence[dict[str, Any]], sample: int, max_values: int
) -> list[dict[str, Any]]:
    """For each ``{"database", "schema", "table", "columns"}``: the sample's row count and,
    per column (by position), its ``[value, count]`` pairs."""
    found = []
    database = adapter.config.credentials.database
    with reads.connection(adapter):
        relations = [
            adapter.get_relation(t.get("database") or database, t["schema"], t["table"])
            for t in tables
        ]
    for table, relation in zip(tables, relations, strict=True):
        columns = list(table["columns"])
        if relation is None or not columns:
            found.append({"rows": 0, "values": [[] for _ in columns]})
            continue
        sql = profile_sql(adapter, relation, columns, sample, max_values)
        _, rows = reads.select_rows(adapter, sql, None)
        values: list[list[list[Any]]] = [[] for _ in columns]
        total = 0
        for index, value, count in rows:
            if int(index) < 0:
                total = int(count)
            else:
                values[int(index)].append([str(value), int(count)])
        found.append({"rows": total, "values": values})
    return found
