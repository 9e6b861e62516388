"""The spec's ``time: {column, grain}`` and rolling measures."""

from __future__ import annotations

import pytest

from martflow.core.models import ColumnRef, TimeGrain
from martflow.core.spec import parse_spec, spec_to_yaml
from martflow.errors import SpecError

BASE = """\
martflow:
  sources: [shop.orders]
  mart: daily
  kind: {kind}
  grain: [orders.status]
  measures:
    - {{name: n, expr: "count(*)"}}
    - {{name: n_7, expr: "{expr}", rolling: {rolling}}}
{extra}"""
TIME = "  time: {column: orders.ordered_at, grain: day}\n"


def spec(extra: str = TIME, rolling: object = 7, expr: str = "count(*)", kind: str = "fact"):
    return parse_spec(BASE.format(kind=kind, rolling=rolling, expr=expr, extra=extra))


def test_time_and_rolling_parse_and_round_trip() -> None:
    parsed = spec()
    assert parsed.time == TimeGrain(ColumnRef("orders", "ordered_at"), "day")
    assert parsed.time.name == "ordered_at_day"
    assert [m.rolling for m in parsed.measures] == [0, 7]
    assert parse_spec(spec_to_yaml(parsed)) == parsed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra": ""}, "martflow.measures[1].rolling: needs the spec's time"),
        ({"rolling": 1}, "must be a number of periods, 2 to 366"),
        ({"rolling": "'7'"}, "must be a number of periods"),
        ({"expr": "avg(orders.amount)"}, "an average cannot roll"),
        ({"extra": "  time: {column: orders.ordered_at, grain: hour}\n"}, "must be one of day"),
        ({"extra": "  time: {grain: day}\n"}, "martflow.time.column: is required"),
        ({"extra": "  time: orders.ordered_at\n"}, "martflow.time: must be a mapping"),
        ({"extra": "  time: {column: x.y, grain: day}\n"}, 'table "x" is not among the sources'),
        ({"extra": TIME, "kind": "dimension"}, "only a fact has a time grain"),
        (
            {"extra": TIME + "  incremental: {key: orders.updated_at}\n"},
            "a mart with rolling measures is rebuilt",
        ),
    ],
)
def test_a_bad_time_or_rolling_measure_is_named(kwargs: dict, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec(**kwargs)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
