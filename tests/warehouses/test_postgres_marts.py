"""Time grains, rolling windows and incremental marts on a real Postgres (dbt-postgres)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from martflow.core.models import ColumnInfo, ColumnRef, SourceRef
from martflow.core.spec import extract_spec_text, parse_spec
from martflow.project_scaffold.demo import CUSTOMER_ORDERS
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from martflow.project_scaffold.synthetic_postgres import load_shop
from tests.pg_cluster import PgServer
from tests.scaffold.scaffold_support import DBT_PROJECT
from tests.scaffold_tools import TOOLS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]

ROLLING = parse_spec(
    """\
martflow:
  sources: [shop.orders, shop.payments]
  joins: ["payments.order_id = orders.order_id"]
  mart: revenue_by_status
  grain: [orders.status]
  time: {column: orders.order_date, grain: week}
  measures:
    - {name: revenue, expr: "sum(payments.amount)"}
    - {name: revenue_4, expr: "sum(payments.amount)", rolling: 4}
"""
)
INCREMENTAL = dataclasses.replace(
    parse_spec(extract_spec_text(CUSTOMER_ORDERS) or ""),
    incremental=ColumnRef("orders", "updated_at"),
)


def project_on(db: PgServer, root: Path) -> Path:
    root.mkdir()
    (root / "dbt_project.yml").write_text(DBT_PROJECT)
    (root / "profiles.yml").write_text(
        "demo:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: {db.host}\n      port: {db.port}\n      user: {db.user}\n"
        "      password: \"{{ env_var('PGPASSWORD') }}\"\n"
        f"      dbname: {db.database}\n      schema: analytics\n      threads: 2\n"
    )
    return root


def build(project: Path, db: PgServer, *args: str) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    folders = ["--project-dir", str(project), "--profiles-dir", str(project)]
    done = subprocess.run(
        [str(dbt), "build", *folders, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGPASSWORD": db.password},
    )
    assert done.returncode == 0, done.stdout[-3000:]


def query(db: PgServer, sql: str) -> list[tuple]:
    with contextlib.closing(db.connect()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_rolling_windows_and_an_incremental_mart_on_postgres(
    pg_server: PgServer, tmp_path: Path
) -> None:
    db = pg_server.create_database("marts_over_time")
    with contextlib.closing(db.connect()) as conn:
        load_shop(conn, rows=300, seed=5)
    project = project_on(db, tmp_path / "analytics")
    columns = {
        SourceRef("shop", t): [
            ColumnInfo(name, kind)  # the warehouse's own names, as introspection reports them
            for name, kind in query(
                db,
                "select column_name, upper(data_type) from information_schema.columns "
                f"where table_schema = 'raw' and table_name = '{t}' order by ordinal_position",
            )
        ]
        for t in ("orders", "customers", "payments")
    }
    scaffolder = ProjectScaffolder(
        project, source_schemas={"shop": "raw"}, dialect="postgres", **TOOLS
    )
    for key, spec in (("DATA-1", ROLLING), ("DATA-2", INCREMENTAL)):
        scaffolder.apply(scaffolder.plan(spec, columns, key, spec.mart))
    build(project, db)

    series: dict[str, list[tuple]] = defaultdict(list)
    for status, week, revenue, rolling in query(
        db,
        "select status, order_date_week, revenue, revenue_4 "
        "from analytics.fct_revenue_by_status order by status, order_date_week",
    ):
        series[status].append((week, revenue, rolling))
    assert len(series) > 1
    for points in series.values():
        assert all(week.isoweekday() == 1 for week, _, _ in points)  # weeks start on Monday
        for i, (_, _, rolling) in enumerate(points):
            assert rolling == sum(r for _, r, _ in points[max(0, i - 3) : i + 1])

    mart = "select * from analytics.fct_customer_orders order by customer_id"
    first = query(db, mart)
    with contextlib.closing(db.connect()) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "insert into raw.orders values (999999, 1, '2025-03-01', 'placed', 0, "
            "'2025-03-01 00:00:00')"
        )
        cur.execute(
            "insert into raw.payments values (999999, 999999, 'paypal', 10.50, "
            "'2025-03-01 00:00:00')"
        )
    build(project, db)
    incremental = query(db, mart)
    assert incremental != first
    build(project, db, "--full-refresh")
    assert query(db, mart) == incremental
