"""The demo specs render to the reviewed golden files, which lint clean.

Regenerate after an intended template change with ``MARTFLOW_UPDATE_GOLDEN=1`` and review
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from martflow.core.models import TicketSpec
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import (
    DEMO_COLUMNS,
    DIM_SPEC,
    FACT_SPEC,
    MULTI_GRAIN_SPEC,
    lint,
    write_sqlfluff,
)
from tests.scaffold_tools import TOOLS

GOLDEN = Path(__file__).parent / "golden"
SPECS = {"fact": FACT_SPEC, "dimension": DIM_SPEC, "multi_grain": MULTI_GRAIN_SPEC}


def _render(spec: TicketSpec, project: Path) -> dict[str, str]:
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    plan = scaffolder.plan(spec, DEMO_COLUMNS, "DATA-7", "Customer lifetime value")
    # The generic tests file is martflow's own, not rendered from a spec (test_quality_checks).
    return {f.path: f.content for f in plan.files if f.path != scaffolder.checks_path}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_render_matches_golden(name: str, tmp_path: Path) -> None:
    rendered = _render(SPECS[name], tmp_path)
    folder = GOLDEN / name
    if os.environ.get("MARTFLOW_UPDATE_GOLDEN"):
        for path, text in rendered.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file()
    }
    assert sorted(rendered) == sorted(expected)
    for path, text in rendered.items():
        assert text == expected[path], path


def test_fact_golden_reads_as_specified() -> None:
    """Spot checks a reviewer would make, so a wrong golden update cannot pass silently."""
    staging = (GOLDEN / "fact/models/staging/shop/stg_shop__orders.sql").read_text()
    assert "{{ source('shop', 'orders') }}" in staging
    assert "select distinct" in staging
    # every source column is quoted by the adapter and aliased to its snake_case name
    assert "{{ adapter.quote('Customer ID') }} as customer_id," in staging
    # text dates are parsed by the adapter's own cast macro, never a DuckDB-only function
    assert "{{ dbt.safe_cast(adapter.quote('Order Date'), 'date') }} as order_date," in staging
    assert (
        "{{ dbt.safe_cast(adapter.quote('created_at'), dbt.type_timestamp()) }} as created_at"
        in staging
    )
    customers = (GOLDEN / "fact/models/staging/shop/stg_shop__customers.sql").read_text()
    assert "{{ adapter.quote('FirstName') }} as first_name," in customers
    joined = (
        GOLDEN / "fact/models/intermediate/customer_orders/int_customer_orders__joined.sql"
    ).read_text()
    assert "left join customers\n    on orders.customer_id = customers.customer_id" in joined
    assert "left join payments\n    on orders.order_id = payments.order_id" in joined
    mart = (GOLDEN / "fact/models/marts/fct_customer_orders.sql").read_text()
    assert "count(distinct order_id) as order_count," in mart
    assert "from {{ ref('int_customer_orders__joined') }}" in mart
    key = (GOLDEN / "multi_grain/models/marts/fct_daily_orders.sql").read_text()
    assert "{{ dbt.cast('order_date', dbt.type_string()) }}" in key
    assert "varchar" not in key  # Spark and BigQuery have no unbounded varchar
    dim = (GOLDEN / "dimension/models/marts/dim_products.sql").read_text()
    assert dim.startswith("select distinct\n") and "group by" not in dim


def test_golden_sql_lints_clean(tmp_path: Path) -> None:
    write_sqlfluff(tmp_path)
    paths = []
    for sql in sorted(GOLDEN.rglob("*.sql")):
        copy = tmp_path / sql.relative_to(GOLDEN)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(sql.read_text())
        paths.append(copy)
    assert len(paths) == 5 + 3 + 3  # fact: 3 staging; dimension, multi grain: 1
    assert lint(tmp_path, paths) == []
