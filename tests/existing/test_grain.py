"""Joins follow the grain on the jaffle repo: the grain's table is the base, every input
must be joined, and a join that repeats rows at the grain is named when the build fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.existing.conftest import file_ticket, martflow
from tests.existing.jaffle import build_fresh

pytestmark = pytest.mark.slow

FANOUT = """\
martflow:
  sources: [stg_customers, stg_orders]
  joins: ["stg_orders.customer_id = stg_customers.customer_id"]
  mart: customer_status
  kind: dimension
  grain: [stg_customers.customer_id]
  dimensions: [stg_customers.first_name, stg_orders.status]
"""

UNJOINED = """\
martflow:
  sources: [stg_orders, stg_customers, stg_payments]
  joins: ["stg_orders.customer_id = stg_customers.customer_id"]
  mart: customer_value
  kind: dimension
  grain: [stg_customers.customer_id]
  dimensions: [stg_customers.first_name]
"""


def test_a_fan_out_at_the_grain_is_named_in_the_build_failure_and_the_comment(
    adopted: Path, tmp_path: Path
) -> None:
    key = file_ticket(adopted, "Customer status", FANOUT)

    martflow(adopted, "run", key, "--until", "build", code=1)

    status = json.loads(martflow(adopted, "--json", "status", key).stdout)
    build = next(s for s in status["steps"] if s["name"] == "build")
    assert build["state"] == "failed"
    assert (
        "fan-out at the grain: unique_dim_customer_status_customer_id failed, so "
        "dim_customer_status has several rows per grain value: the join to stg_orders "
        "(stg_customers.customer_id = stg_orders.customer_id) matches more than one row"
    ) in build["detail"]
    shown = json.loads(martflow(adopted, "--json", "show", key).stdout)
    failed = [c["body"] for c in shown["comments"] if "build **failed**" in c["body"]]
    assert len(failed) == 1, [c["body"] for c in shown["comments"]]
    head, fanout = failed[0].split("\n\n")[:2]  # the note follows the verdict
    assert "unique_dim_customer_status_customer_id" in head
    assert fanout.startswith("Fan-out at the grain: ")
    assert "the join to stg_orders" in fanout

    built = build_fresh(adopted / "transform", tmp_path / "fresh")
    assert not built.success
    assert built.failed == ["unique_dim_customer_status_customer_id"]


def test_an_input_the_joins_do_not_reach_is_named(adopted: Path) -> None:
    key = file_ticket(adopted, "Customer value", UNJOINED)
    shown = json.loads(martflow(adopted, "--json", "show", key).stdout)
    assert shown["spec"] is None
    assert (
        'martflow.joins: table "stg_payments" is not joined to stg_customers (the grain\'s table)'
    ) in shown["spec_error"]
