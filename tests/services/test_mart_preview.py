"""The mart preview: first rows and a chart series per measure, from the real demo mart."""

from __future__ import annotations

import duckdb
import pytest

from martflow.core.models import StepState
from martflow.core.spec import parse_spec
from martflow.errors import DbtError
from martflow.services.mart_preview import SAMPLE_ROWS, TOP_CATEGORIES, chart_series, mart_preview
from tests.fakes.ports import FakePorts

SPEC = parse_spec(
    """
martflow:
  sources: [shop.orders]
  mart: daily
  grain: [orders.order_id]
  dimensions: [orders.status, orders.ordered_at]
  measures:
    - {name: order_count, expr: "count(*)"}
    - {name: biggest, expr: "max(orders.amount)"}
    - {name: mean_amount, expr: "avg(orders.amount)"}
"""
)
COLUMNS = ["order_id", "status", "ordered_at", "order_count", "biggest", "mean_amount"]


def test_a_date_dimension_gives_lines_sorted_by_day_combined_per_measure():
    rows = [
        (1, "paid", "2024-01-02T10:00:00", 1, 30, 10.0),
        (2, "paid", "2024-01-01T09:00:00", 2, 50, 20.0),
        (3, "open", "2024-01-02T23:59:59", 3, 40, 40.0),
        (4, "open", None, 9, 99, 99.0),
    ]
    count, biggest, mean = chart_series(SPEC, COLUMNS, rows)

    assert (count.kind, count.dimension) == ("line", "ordered_at")
    assert count.labels == ("2024-01-01", "2024-01-02")
    assert count.values == (2.0, 4.0)
    assert biggest.values == (50.0, 40.0)
    assert mean.values == (20.0, 25.0)
    assert count.title == "order_count over ordered_at"


def test_without_a_date_the_first_dimension_gives_the_top_bars():
    columns = ["order_id", "status", "ordered_at", "order_count", "biggest", "mean_amount"]
    statuses = ["a", "b", "c", "d"]
    rows = [(i, statuses[i % 4], f"day {i}", i, i, float(i)) for i in range(1, 13)]
    (count, *_rest) = chart_series(SPEC, columns, rows, top=3)

    # a: 4+8+12, d: 3+7+11, c: 2+6+10, b: 1+5+9 -> top three by value, biggest first
    assert count.kind == "bar"
    assert count.dimension == "status"
    assert count.labels == ("a", "d", "c")
    assert count.values == (24.0, 21.0, 18.0)
    assert count.categories == 4
    assert count.title == "order_count by status (top 3 of 4)"


def test_no_dimensions_falls_back_to_the_grain_and_skips_non_numbers():
    spec = parse_spec(
        "martflow: {sources: [shop.orders], mart: m, grain: [order_id], "
        'measures: [{name: n, expr: "count(*)"}]}'
    )
    (series,) = chart_series(spec, ["order_id", "n"], [(1, 5), (2, None), (3, "x"), (4, "7")])

    assert series.dimension == "order_id"
    assert dict(zip(series.labels, series.values, strict=True)) == {"4": 7.0, "1": 5.0}


def test_a_dimension_mart_has_no_charts():
    spec = parse_spec(
        "martflow: {sources: [shop.products], mart: p, kind: dimension, grain: [product_id], "
        "dimensions: [products.category]}"
    )

    assert chart_series(spec, ["product_id", "category"], [(1, "x")]) == []


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
def test_preview_of_the_built_demo_mart(demo_context):
    from martflow.services.tickets import ticket_and_spec

    _ticket, spec = ticket_and_spec(demo_context, "DEMO-1")
    with pytest.raises(DbtError):
        mart_preview(demo_context, spec)  # not built yet: dbt says so, the caller shows it
    report = demo_context.engine().run("DEMO-1", until_step="build")
    assert report.failed is None
    assert demo_context.ledger.step("DEMO-1", "build").state is StepState.SUCCEEDED

    preview = mart_preview(demo_context, spec, limit=5)

    assert preview.model == "fct_customer_orders"
    assert preview.columns == (
        "customer_id",
        "first_name",
        "last_name",
        "order_count",
        "lifetime_value",
    )
    assert len(preview.rows) == 5
    assert preview.complete
    assert [(c.measure, c.kind, c.dimension) for c in preview.charts] == [
        ("order_count", "bar", "first_name"),
        ("lifetime_value", "bar", "first_name"),
    ]
    # The Python roll-up agrees with the warehouse doing it in SQL.
    demo_context.close()  # DuckDB allows one writer: let the dbt worker go
    database = demo_context.project.dbt_project_dir / "warehouse.duckdb"
    with duckdb.connect(str(database), read_only=True) as db:
        total = db.execute("select count(*) from fct_customer_orders").fetchone()[0]
        top = db.execute(
            "select first_name, sum(lifetime_value) as v from fct_customer_orders "
            "where lifetime_value is not null group by 1 order by v desc, 1 limit ?",
            [TOP_CATEGORIES],
        ).fetchall()
    assert preview.sampled == total
    lifetime = preview.charts[1]
    assert lifetime.labels == tuple(name for name, _ in top)
    assert lifetime.values == pytest.approx([float(v) for _, v in top])


class ShowingDbt:
    """A DbtRunner's ``show`` over fixed rows; records what it was asked."""

    def __init__(self, rows: list[tuple[object, ...]]) -> None:
        self.rows = rows
        self.asked: list[tuple[str, int]] = []

    def show(self, model: str, limit: int = 20) -> tuple[list[str], list[tuple[object, ...]]]:
        self.asked.append((model, limit))
        return COLUMNS, self.rows[:limit]


def test_the_preview_reads_the_mart_once_through_the_dbt_port(tmp_path):
    rows = [(i, "paid", f"2024-01-0{1 + i % 3}", 1, 10.0 + i, 5.0) for i in range(30)]
    dbt = ShowingDbt(rows)
    ports = FakePorts(tmp_path / "repo", dbt_runner=dbt)

    preview = mart_preview(ports, SPEC, limit=5)

    assert dbt.asked == [("fct_daily", SAMPLE_ROWS)]
    assert (preview.model, preview.columns) == ("fct_daily", tuple(COLUMNS))
    assert preview.rows == tuple(rows[:5])
    assert (preview.sampled, preview.complete) == (30, True)
    assert [c.measure for c in preview.charts] == ["order_count", "biggest", "mean_amount"]
