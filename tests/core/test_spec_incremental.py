"""The spec's ``incremental: {key: table.column}``."""

from __future__ import annotations

import pytest

from martflow.core.models import ColumnRef
from martflow.core.spec import parse_spec, spec_to_yaml
from martflow.errors import SpecError

BASE = """\
martflow:
  sources: [shop.orders]
  mart: daily
  kind: {kind}
  grain: [orders.customer_id]
  measures: [{{name: n, expr: "count(*)"}}]
  incremental: {incremental}
"""


def spec(incremental: str, kind: str = "fact"):
    return parse_spec(BASE.format(kind=kind, incremental=incremental))


def test_the_key_is_a_column_and_round_trips() -> None:
    parsed = spec("{key: orders.updated_at}")
    assert parsed.incremental == ColumnRef("orders", "updated_at")
    assert parse_spec(spec_to_yaml(parsed)) == parsed


@pytest.mark.parametrize(
    ("incremental", "kind", "message"),
    [
        ("orders.updated_at", "fact", "martflow.incremental: must be a mapping like {key: "),
        ("{key: items.updated_at}", "fact", 'table "items" is not among the sources'),
        ("{when: orders.x}", "fact", 'unknown key "when"'),
        ("{}", "fact", "martflow.incremental.key: is required"),
        ("{key: orders.updated_at}", "dimension", "only a fact is built incrementally"),
    ],
)
def test_a_bad_incremental_is_named(incremental: str, kind: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec(incremental, kind)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
