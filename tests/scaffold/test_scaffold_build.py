"""Scaffolded models lint clean and build with passing tests on a real dbt-duckdb project."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import (
    DEMO_COLUMNS,
    DIM_SPEC,
    FACT_SPEC,
    MULTI_GRAIN_SPEC,
    RAW_ROWS,
    RAW_TABLES,
    create_raw_tables,
    introspect,
    lint,
    make_project,
    run_dbt,
)
from tests.scaffold_tools import TOOLS

pytestmark = pytest.mark.slow


def test_demo_specs_build_with_passing_tests(tmp_path: Path) -> None:
    project = tmp_path / "analytics"
    db = make_project(project)
    create_raw_tables(db, RAW_TABLES, RAW_ROWS)
    columns = introspect(db, list(RAW_TABLES))
    assert columns == DEMO_COLUMNS  # the golden files were made from the same columns

    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    for key, spec in (("DATA-1", FACT_SPEC), ("DATA-2", DIM_SPEC), ("DATA-3", MULTI_GRAIN_SPEC)):
        scaffolder.apply(scaffolder.plan(spec, columns, key, f"{spec.mart} for the PM"))

    sql_files = sorted((project / "models").rglob("*.sql"))
    assert len(sql_files) == 4 + 3 + 3  # staging per table, intermediate and mart per spec
    assert lint(project, sql_files) == []

    result = run_dbt(project, "build")
    statuses = {r.node.name: str(r.status) for r in result.result.results}
    assert result.success, statuses
    tests = {name: s for name, s in statuses.items() if not name.startswith(("stg_", "int_"))}
    assert any(n.startswith("relationships_") for n in tests)
    assert any(n.startswith("unique_fct_daily_orders_daily_orders_key") for n in tests)
    assert all(s in {"pass", "success"} for s in statuses.values()), statuses

    with duckdb.connect(str(db)) as con:
        with_orders = con.execute('select count(distinct "Customer ID") from raw.orders').fetchone()
        fact = con.execute(
            "select customer_id, first_name, order_count, lifetime_value "
            "from main.fct_customer_orders order by customer_id"
        ).fetchall()
        dim = con.execute("select count(*) from main.dim_products").fetchone()
        daily = con.execute("select count(*) from main.fct_daily_orders").fetchone()
        order_date_type = con.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'stg_shop__orders' and column_name = 'order_date'"
        ).fetchone()
    assert len(fact) == with_orders[0] == 2
    # Exact duplicate rows (order 12, payment 101) are removed in staging.
    assert [(r[0], r[1], r[2], float(r[3])) for r in fact] == [
        (1, "Ada", 2, 35.5),
        (2, "Alan", 1, 7.25),
    ]
    assert dim == (2,)
    assert daily == (3,)
    assert order_date_type == ("DATE",)

    # Three tickets share the shop source: every staging model and join test survives.
    shop_models = yaml.safe_load((project / "models/staging/shop/_shop__models.yml").read_text())[
        "models"
    ]
    assert [m["name"] for m in shop_models] == [
        "stg_shop__orders",
        "stg_shop__customers",
        "stg_shop__payments",
        "stg_shop__products",
    ]
    orders_customer = next(c for c in shop_models[0]["columns"] if c["name"] == "customer_id")
    assert orders_customer["data_tests"][0]["relationships"]["arguments"] == {
        "to": "ref('stg_shop__customers')",
        "field": "customer_id",
    }
