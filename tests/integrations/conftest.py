"""A small real dbt-duckdb project in a temporary folder, with raw tables made by duckdb."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from martflow.integrations.dbt import DbtProcessRunner

RAW_TABLES = {
    "orders": (
        "create table raw.orders as select i as order_id, i % 5 as customer_id, "
        "cast(i * 1.5 as decimal(10, 2)) as amount, "
        "date '2024-01-01' + cast(i as integer) as ordered_at from range(1, 21) t(i)"
    ),
    "customers": (
        'create table raw.customers as select i as "Customer ID", '
        "'first' || i as \"First Name\", 'last' || i as lastName from range(0, 5) t(i)"
    ),
    "payments": (
        "create table raw.payments as select i as payment_id, i as order_id, "
        "i * 2.0 as amount from range(1, 21) t(i)"
    ),
}

MODELS = {
    "stg_shop__orders.sql": "select order_id, customer_id, amount from raw.orders\n",
    "stg_shop__customers.sql": (
        'select "Customer ID" as customer_id, "First Name" as first_name from raw.customers\n'
    ),
    "int_customer_orders__joined.sql": (
        "select o.order_id, o.amount, c.customer_id, c.first_name\n"
        "from {{ ref('stg_shop__orders') }} as o\n"
        "inner join {{ ref('stg_shop__customers') }} as c on o.customer_id = c.customer_id\n"
    ),
    "fct_customer_orders.sql": (
        "select customer_id, count(*) as order_count, sum(amount) as lifetime_value\n"
        "from {{ ref('int_customer_orders__joined') }}\ngroup by customer_id\n"
    ),
    "env_probe.sql": (
        'select \'{{ env_var("JIRA_API_TOKEN", "absent") }}\' as jira_token,\n'
        '\'{{ env_var("TABLEAU_TOKEN_SECRET", "absent") }}\' as tableau_secret,\n'
        '\'{{ env_var("DBT_MARTFLOW_PROBE", "absent") }}\' as dbt_probe\n'
    ),
}

SCHEMA_YML = """version: 2
models:
  - name: stg_shop__orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
  - name: fct_customer_orders
    columns:
      - name: customer_id
        data_tests: [unique, not_null]
"""

CHAIN = "+fct_customer_orders"
"""Selector for the stg -> int -> fct chain and its tests."""


def make_dbt_project(root: Path) -> Path:
    """Create a dbt-duckdb project (profiles.yml inside) with raw.orders/customers/payments."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(
        "name: shop\nversion: '1.0'\nprofile: shop\nmodel-paths: [models]\nmacro-paths: [macros]\n"
    )
    (root / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{root / 'warehouse.duckdb'}'\n      schema: main\n      threads: 1\n"
    )
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        con.execute("create schema raw")
        for sql in RAW_TABLES.values():
            con.execute(sql)
    finally:
        con.close()
    models = root / "models"
    models.mkdir()
    (root / "macros").mkdir()
    for name, sql in MODELS.items():
        (models / name).write_text(sql)
    (models / "_models.yml").write_text(SCHEMA_YML)
    return root


@pytest.fixture
def dbt_project(tmp_path: Path) -> Path:
    """A fresh project of its own for tests that change it."""
    return make_dbt_project(tmp_path / "shop")


@pytest.fixture
def runner(dbt_project: Path) -> Iterator[DbtProcessRunner]:
    """A worker-backed runner on ``dbt_project``, closed after the test."""
    with DbtProcessRunner(dbt_project, dbt_project) as dbt:
        yield dbt
