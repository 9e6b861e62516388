"""A time grain and rolling measures: the period joins the mart's grain, windows lint clean
and compute the last N periods of each series."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from martflow.core.models import SourceRef
from martflow.core.spec import parse_spec
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from martflow.project_scaffold.synthetic import generate_shop
from tests.scaffold.scaffold_support import introspect, lint, make_project, run_dbt
from tests.scaffold_tools import TOOLS

SPEC = """\
martflow:
  sources: [shop.orders, shop.payments]
  joins: ["payments.order_id = orders.order_id"]
  mart: revenue_by_status
  grain: [orders.status]
  time: {{column: orders.order_date, grain: {grain}}}
  measures:
    - {{name: revenue, expr: "sum(payments.amount)"}}
    - {{name: revenue_7, expr: "sum(payments.amount)", rolling: 7}}
    - {{name: orders, expr: "count(distinct orders.order_id)"}}
    - {{name: orders_3, expr: "count(distinct orders.order_id)", rolling: 3}}
    - {{name: biggest, expr: "max(payments.amount)"}}
    - {{name: biggest_3, expr: "max(payments.amount)", rolling: 3}}
"""


def scaffold_and_build(root: Path, grain: str) -> tuple[Path, list[tuple]]:
    project = root / grain
    db = make_project(project)
    generate_shop(db, rows=400, seed=11)
    spec = parse_spec(SPEC.format(grain=grain))
    refs = [SourceRef("shop", "orders"), SourceRef("shop", "payments")]
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    scaffolder.apply(scaffolder.plan(spec, introspect(db, refs), "DATA-9", "revenue"))
    assert lint(project, sorted((project / "models").rglob("*.sql"))) == []
    result = run_dbt(project, "build")
    statuses = {r.node.name: str(r.status) for r in result.result.results}
    assert result.success and all(s in {"pass", "success"} for s in statuses.values()), statuses
    with duckdb.connect(str(db)) as con:  # dbt-duckdb in this process holds it read-write
        rows = con.execute(
            f"select status, order_date_{grain}, revenue, revenue_7, orders, orders_3, "
            "biggest, biggest_3 from main.fct_revenue_by_status "
            f"order by status, order_date_{grain}"
        ).fetchall()
    return project, rows


def last(values: list, n: int) -> list:
    return [values[max(0, i - n + 1) : i + 1] for i in range(len(values))]


@pytest.mark.slow
@pytest.mark.parametrize("grain", ["day", "month"])
def test_rolling_measures_cover_the_last_periods_of_each_series(tmp_path, grain) -> None:
    project, rows = scaffold_and_build(tmp_path, grain)
    series: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        series[row[0]].append(row)
    assert len(series) > 1  # partitioned by status: each series rolls on its own
    for points in series.values():
        periods = [p[1] for p in points]
        assert all(isinstance(d, date) for d in periods) and periods == sorted(set(periods))
        if grain == "month":
            assert {d.day for d in periods} == {1}
        revenue = [p[2] or Decimal(0) for p in points]
        orders = [p[4] for p in points]
        biggest = [p[6] for p in points]
        for point, window in zip(points, last(biggest, 3), strict=True):
            assert point[7] == max(window)
        for point, window in zip(points, last(revenue, 7), strict=True):
            assert point[3] == sum(window)
        for point, window in zip(points, last(orders, 3), strict=True):
            assert point[5] == sum(window)
    text = (project / "models/marts/fct_revenue_by_status.sql").read_text()
    assert "rows between 6 preceding and current row" in text
    assert "partition by status" in text
