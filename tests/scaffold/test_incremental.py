"""Incremental marts: after new and changed raw rows, an incremental build equals a rebuild."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from martflow.core.models import ColumnRef, SourceRef
from martflow.core.spec import extract_spec_text, parse_spec
from martflow.project_scaffold.demo import CUSTOMER_ORDERS
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from martflow.project_scaffold.synthetic import generate_shop
from tests.scaffold.scaffold_support import introspect, lint, make_project
from tests.scaffold_tools import TOOLS

pytestmark = pytest.mark.slow

SPEC = dataclasses.replace(
    parse_spec(extract_spec_text(CUSTOMER_ORDERS) or ""),
    incremental=ColumnRef("orders", "updated_at"),
)
MART = "select * from main.fct_customer_orders order by customer_id"


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def build(project: Path, *args: str) -> None:
    """``dbt build`` in its own process, as a scheduler runs it after each EL load: an
    in-process dbt-duckdb would keep reading the raw tables as its open connection saw them."""
    dbt = Path(sys.executable).parent / "dbt"
    folders = ["--project-dir", str(project), "--profiles-dir", str(project)]
    done = subprocess.run(
        [str(dbt), "build", *folders, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_an_incremental_build_after_new_and_changed_rows_equals_a_full_rebuild(
    tmp_path: Path,
) -> None:
    project = tmp_path / "analytics"
    db = make_project(project)
    generate_shop(db, rows=300, seed=3)
    refs = [SourceRef("shop", t) for t in ("orders", "customers", "payments")]
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    scaffolder.apply(scaffolder.plan(SPEC, introspect(db, refs), "DEMO-1", "LTV"))
    assert lint(project, sorted((project / "models").rglob("*.sql"))) == []
    properties = yaml.safe_load((project / "models/marts/_customer_orders__models.yml").read_text())
    assert properties["models"][0]["config"] == {
        "materialized": "incremental",
        "unique_key": "customer_id",
        "incremental_strategy": "delete+insert",
    }
    build(project)
    first = query(db, MART)

    with duckdb.connect(str(db)) as con:
        # A new order (and its payment) of customer 1, and a changed order of customer 2
        # whose payment was corrected: both stamped after the newest key built (early 2025).
        con.execute(
            """insert into raw.orders select 999999, 1, '2025-02-01', 'placed', 0,
            '2025-02-01 00:00:00'"""
        )
        con.execute(
            """insert into raw.payments select 999999, 999999, 'paypal', 123.45,
            '2025-02-01 00:00:00'"""
        )
        (changed,) = con.execute(
            'select min("order_id") from raw.orders where "Customer ID" = 2'
        ).fetchone()
        con.execute(
            f"""update raw.orders set "updated_at" = '2025-02-02 00:00:00', "Status" = 'returned'
            where "order_id" = {changed}"""
        )
        con.execute(f'update raw.payments set "Amount" = "Amount" + 1 where "Order ID" = {changed}')

    build(project)
    incremental = query(db, MART)
    # The second build ran the incremental branch, and replaced the changed customers' rows.
    compiled = next((project / "target/compiled").rglob("fct_customer_orders.sql")).read_text()
    assert "where customer_id in (" in compiled
    ran = next((project / "target/run").rglob("fct_customer_orders.sql")).read_text()
    assert "delete from" in ran
    assert incremental != first

    build(project, "--full-refresh")
    assert query(db, MART) == incremental
