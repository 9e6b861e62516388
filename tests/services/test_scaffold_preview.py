"""The scaffold preview on the demo repo: the plan from the warehouse's real columns, no writes."""

from __future__ import annotations

import pytest

from martflow.errors import SpecError
from martflow.services.scaffold_preview import scaffold_plan
from tests.fakes.ports import FakePorts


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
def test_plan_of_the_demo_ticket_creates_every_model_and_writes_nothing(demo_context, tmp_path):
    spec_file = tmp_path / "orders-only.yml"
    spec_file.write_text(
        "martflow:\n  sources: [shop.orders]\n  mart: order_facts\n  grain: [orders.order_id]\n"
        '  measures: [{name: order_count, expr: "count(*)"}]\n'
    )
    plan = scaffold_plan(demo_context, "DEMO-1")
    dbt_dir = demo_context.project.dbt_project_dir
    paths = [f.path for f in plan.files]
    assert {f.action for f in plan.files} == {"create"}
    assert any(p.endswith("/fct_customer_orders.sql") for p in paths)
    assert any(p.endswith("/stg_shop__payments.sql") for p in paths)
    mart = next(f for f in plan.files if f.path.endswith("/fct_customer_orders.sql"))
    assert mart.diff.startswith("--- /dev/null")
    assert "+select" in mart.diff.lower() or "+with" in mart.diff.lower()
    assert not any((dbt_dir / p).exists() for p in paths)

    # Once written, the plan is unchanged; a hand-edited file conflicts unless forced.
    demo_context.scaffolder().apply(plan)
    assert {f.action for f in scaffold_plan(demo_context, "DEMO-1").files} == {"unchanged"}
    (dbt_dir / mart.path).write_text("select 1 as edited_by_hand\n")
    actions = {f.path: f.action for f in scaffold_plan(demo_context, "DEMO-1").files}
    assert actions[mart.path] == "conflict"
    forced = {f.path: f.action for f in scaffold_plan(demo_context, "DEMO-1", force=True).files}
    assert forced[mart.path] == "update"

    # A spec given on the side replaces the ticket's (the CLI's --spec).
    other = scaffold_plan(demo_context, "DEMO-1", spec_override=spec_file)
    assert any(f.path.endswith("/fct_order_facts.sql") for f in other.files)
    assert not any(f.path.endswith("/stg_shop__payments.sql") for f in other.files)


def test_a_ticket_without_a_valid_spec_raises_spec_error(tmp_path):
    ports = FakePorts(tmp_path / "repo")  # no dbt, warehouse or scaffolder: none is asked
    key = ports.tracker.create_ticket("No spec here", "just words").key
    with pytest.raises(SpecError, match="no martflow spec in the description of DEMO-1"):
        scaffold_plan(ports, key)
