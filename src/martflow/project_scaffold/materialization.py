"""How a generated mart is materialized: ``[models] mart_materialization`` per warehouse."""

from __future__ import annotations

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
