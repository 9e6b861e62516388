"""The spec's ``pii`` and ``clean`` keys: personal-data columns and cleaning switches."""

from __future__ import annotations

import pytest

from martflow.core.models import ColumnRef
from martflow.core.spec import parse_spec, spec_to_yaml
from martflow.errors import SpecError
from tests.core.hostile_specs import spec_yaml


def test_pii_and_per_column_clean_switches_round_trip() -> None:
    spec = parse_spec(
        spec_yaml(
            pii=["customers.email", "customers.phone"],
            clean={"customers.country": False, "orders.status": True},
        )
    )
    assert spec.pii == (ColumnRef("customers", "email"), ColumnRef("customers", "phone"))
    assert spec.unclean == (ColumnRef("customers", "country"),) and spec.clean
    assert parse_spec(spec_to_yaml(spec)) == spec


def test_clean_false_turns_cleaning_off_for_the_spec() -> None:
    spec = parse_spec(spec_yaml(clean=False))
    assert not spec.clean
    assert parse_spec(spec_to_yaml(spec)) == spec


def test_a_spec_without_them_saves_as_before() -> None:
    spec = parse_spec(spec_yaml())
    assert spec.pii == () and spec.clean and spec.unclean == ()
    assert "pii" not in spec_to_yaml(spec) and "clean" not in spec_to_yaml(spec)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"pii": "customers.email"}, "martflow.pii", "must be a list"),
        ({"pii": ["nowhere.email"]}, "martflow.pii[0]", "nowhere"),
        ({"clean": "off"}, "martflow.clean", "must be false, or a mapping"),
        (
            {"clean": {"customers.country": "no"}},
            'martflow.clean."customers.country"',
            "true or false",
        ),
        ({"clean": {"country": False}}, 'martflow.clean."country"', "table.column"),
    ],
)
def test_bad_values_name_the_field(changes, field, reason) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(spec_yaml(**changes))
    assert field in str(caught.value) and reason in str(caught.value)
