"""The spec's ``partition_by``: mart columns the warehouse lays the table out by."""

from __future__ import annotations

import pytest
import yaml

from martflow.core.models import ColumnRef
from martflow.core.spec import parse_spec, spec_to_yaml
from martflow.errors import SpecError
from tests.core.hostile_specs import spec_yaml


def test_partition_by_names_grain_or_dimension_columns() -> None:
    spec = parse_spec(
        spec_yaml(
            dimensions=["customers.first_name", "orders.order_date"],
            partition_by=["orders.order_date"],
        )
    )
    assert spec.partition_by == (ColumnRef("orders", "order_date"),)
    assert parse_spec(spec_to_yaml(spec)) == spec
    assert yaml.safe_load(spec_to_yaml(spec))["martflow"]["partition_by"] == ["orders.order_date"]


def test_a_spec_without_partition_by_saves_as_before() -> None:
    spec = parse_spec(spec_yaml())
    assert spec.partition_by == ()
    assert "partition_by" not in spec_to_yaml(spec)


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        (
            ["orders.ordered_at"],
            "martflow.partition_by[0]",
            '"orders.ordered_at" is not a grain or dimension column; a mart is partitioned by '
            "its own columns: add it to dimensions",
        ),
        (["ordered_at"], "martflow.partition_by[0]", "must be table.column"),
        ("orders.ordered_at", "martflow.partition_by", "must be a list like"),
        (["nope.order_date"], "martflow.partition_by[0]", 'table "nope" is not among the sources'),
    ],
)
def test_bad_partition_by_is_named(value: object, field: str, reason: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(spec_yaml(partition_by=value), source="specs/DEMO-2.yml")
    assert info.value.field == field
    assert any(p.startswith(f"{field}: ") and reason in p for p in info.value.problems), (
        info.value.problems
    )


def test_a_partition_by_the_warehouse_cannot_honour_is_noted_in_the_scaffold_comment() -> None:
    from martflow.core.document_text import render_text
    from martflow.core.workflow.comments import scaffolded

    warning = "partition_by (order_date) ignored: dbt on duckdb has no partitioning config"
    text = render_text(scaffolded(["stg_shop__orders", "fct_daily_orders"], [warning]))

    assert "`fct_daily_orders`" in text
    assert text.rstrip().endswith(f"Note: {warning}")
    assert "Note:" not in render_text(scaffolded(["fct_daily_orders"]))
