"""How a generated mart is materialized and laid out: ``[models] mart_materialization`` and
the spec's ``partition_by``, in each warehouse's dbt config."""

from __future__ import annotations

from collections.abc import Sequence

SNOWFLAKE_DIALECT = "snowflake"
TARGET_WAREHOUSE = "{{ target.warehouse }}"


INCREMENTAL_STRATEGIES = {
    "snowflake": "merge",
    "bigquery": "merge",
    "databricks": "merge",
    "spark": "merge",  # dbt-spark merges Delta (or Iceberg/Hudi) tables only
}
"""Adapters whose incremental models merge; the others delete the changed keys and insert."""


def incremental_config(dialect: str, unique_key: str) -> dict[str, str]:
    """The dbt ``config`` of an incremental mart, keyed on its grain (or surrogate key)."""
    return {
        "materialized": "incremental",
        "unique_key": unique_key,
        "incremental_strategy": INCREMENTAL_STRATEGIES.get(dialect, "delete+insert"),
    }


def mart_config(
    materialization: str | None,
    dialect: str,
    target_lag: str = "1 hour",
    snowflake_warehouse: str = "",
) -> dict[str, str]:
    """The dbt ``config`` of a mart's properties; empty leaves it to dbt_project.yml.

    Values come from config.toml (the project's own settings, not ticket text) and reach
    the YAML as they are, so dbt may render them.

    ``materialized_view`` is dbt's own materialization on Postgres, Redshift, BigQuery and
    Databricks; Snowflake's equivalent is a dynamic table, refreshed within ``target_lag``.
    """
    if not materialization:
        return {}
    if materialization == "materialized_view" and dialect == SNOWFLAKE_DIALECT:
        return {
            "materialized": "dynamic_table",
            "target_lag": target_lag,
            # dbt-snowflake requires it; by default the warehouse of the target building it
            "snowflake_warehouse": snowflake_warehouse or TARGET_WAREHOUSE,
        }
    return {"materialized": materialization}


PARTITIONING = {
    "sparksql": "partition_by",
    "databricks": "partition_by",
    "bigquery": "partition_by",
    "snowflake": "cluster_by",
}
"""How each dialect's dbt adapter lays a table out by columns (others have no such config)."""


def partition_config(
    columns: Sequence[tuple[str, str]], dialect: str
) -> tuple[dict[str, object], str]:
    """The mart's ``config`` for the spec's ``partition_by``, and a warning ("" if none).

    ``columns`` are the mart's ``(column, kind)`` with kind "date", "timestamp" or ""
    (unknown). Spark and Databricks partition by the columns; BigQuery by one date or
    timestamp column (more columns, or another type, are clustered instead); Snowflake
    clusters. Elsewhere the field is ignored, with the warning saying so.
    """
    if not columns:
        return {}, ""
    names = [name for name, _ in columns]
    key = PARTITIONING.get(dialect)
    if key is None:
        return {}, (
            f"partition_by ({', '.join(names)}) ignored: dbt on {dialect} has no partitioning "
            "config (Spark, Databricks, BigQuery and Snowflake do)"
        )
    if dialect != "bigquery":
        return {key: names}, ""
    (first, kind), rest = columns[0], names[1:]
    if kind not in ("date", "timestamp"):
        return {"cluster_by": names}, (
            f"partition_by: BigQuery partitions by a date or timestamp column; {first} "
            "is clustered instead"
        )
    config: dict[str, object] = {"partition_by": {"field": first, "data_type": kind}}
    if rest:
        config["cluster_by"] = rest
    return config, ""
