"""The lineage of a ticket: names from the spec, state from the step records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from martflow.core.models import StepRecord, StepState
from martflow.core.spec import extract_spec_text, parse_spec
from martflow.project_scaffold.demo import DEMO_TICKETS
from martflow.services.lineage import KINDS, NodeState, build_lineage


@pytest.fixture
def spec():
    text = extract_spec_text(DEMO_TICKETS[0].description)
    assert text is not None
    return parse_spec(text)


def at(minute: int) -> datetime:
    return datetime(2024, 5, 1, 12, minute, tzinfo=UTC)


def record(name: str, minute: int, state=StepState.SUCCEEDED, **artifacts) -> StepRecord:
    return StepRecord(name, state, at(minute), at(minute), "", artifacts)


SCAFFOLD_FILES = [
    "models/staging/shop/stg_shop__orders.sql",
    "models/staging/shop/stg_shop__customers.sql",
    "models/staging/shop/stg_shop__payments.sql",
    "models/staging/shop/_shop__models.yml",
    "models/intermediate/customer_orders/int_customer_orders__joined.sql",
    "models/marts/customer_orders/fct_customer_orders.sql",
]
MODELS = [
    "stg_shop__orders",
    "stg_shop__customers",
    "stg_shop__payments",
    "int_customer_orders__joined",
    "fct_customer_orders",
]


def built(*names: str) -> list[dict[str, object]]:
    return [{"name": n, "type": "model", "status": "success", "seconds": 0.1} for n in names]


def test_names_and_layers_follow_the_spec_upstream_first(spec):
    lineage = build_lineage(spec, [])

    assert [n.kind for n in lineage.nodes] == sorted(
        (n.kind for n in lineage.nodes), key=KINDS.index
    )
    assert [n.name for n in lineage.layer("source")] == [
        "shop.orders",
        "shop.customers",
        "shop.payments",
    ]
    assert [n.name for n in lineage.layer("staging")] == MODELS[:3]
    assert [n.upstream for n in lineage.layer("staging")] == [
        ("shop.orders",),
        ("shop.customers",),
        ("shop.payments",),
    ]
    (intermediate,) = lineage.layer("intermediate")
    assert intermediate.name == "int_customer_orders__joined"
    assert intermediate.upstream == tuple(MODELS[:3])
    (mart,) = lineage.layer("mart")
    assert (mart.name, mart.upstream) == ("fct_customer_orders", (intermediate.name,))
    (dashboard,) = lineage.layer("dashboard")
    assert (dashboard.name, dashboard.upstream) == ("Customer lifetime value", (mart.name,))


def test_nothing_run_is_all_planned_but_the_sources(spec):
    lineage = build_lineage(spec, [StepRecord(n, StepState.PENDING) for n in ("scaffold",)])

    assert {n.state for n in lineage.layer("source")} == {NodeState.SOURCE}
    rest = [n for n in lineage.nodes if n.kind != "source"]
    assert {n.state for n in rest} == {NodeState.PLANNED}
    assert not any(n.exists for n in rest)


def test_scaffolded_models_carry_their_file(spec):
    lineage = build_lineage(spec, [record("scaffold", 1, files=SCAFFOLD_FILES, models=MODELS)])

    models = [n for n in lineage.nodes if n.kind in ("staging", "intermediate", "mart")]
    assert {n.state for n in models} == {NodeState.SCAFFOLDED}
    assert models[0].detail == "models/staging/shop/stg_shop__orders.sql"
    assert lineage.layer("dashboard")[0].state is NodeState.PLANNED


def test_a_failed_scaffold_scaffolded_nothing(spec):
    steps = [record("scaffold", 1, StepState.FAILED, files=SCAFFOLD_FILES, models=MODELS)]

    assert {n.state for n in build_lineage(spec, steps).layer("staging")} == {NodeState.PLANNED}


def test_built_models_are_the_ones_the_build_reported(spec):
    steps = [
        record("scaffold", 1, files=SCAFFOLD_FILES, models=MODELS),
        record("build", 2, nodes=built(*MODELS[:3])),
    ]
    lineage = build_lineage(spec, steps)

    assert {n.state for n in lineage.layer("staging")} == {NodeState.BUILT}
    assert lineage.layer("mart")[0].state is NodeState.SCAFFOLDED


def test_a_scaffold_after_the_build_makes_the_models_unbuilt_again(spec):
    steps = [
        record("scaffold", 3, files=SCAFFOLD_FILES, models=MODELS),
        record("build", 2, nodes=built(*MODELS)),
    ]

    assert build_lineage(spec, steps).layer("mart")[0].state is NodeState.SCAFFOLDED


def test_published_dashboard_says_where(spec):
    steps = [
        record("scaffold", 1, files=SCAFFOLD_FILES, models=MODELS),
        record("build", 2, nodes=built(*MODELS)),
        record("publish", 3, location="/repo/output/fct_customer_orders.twbx"),
    ]
    (dashboard,) = build_lineage(spec, steps).layer("dashboard")

    assert dashboard.state is NodeState.PUBLISHED
    assert dashboard.detail == "/repo/output/fct_customer_orders.twbx"


def test_a_publish_reset_to_pending_is_not_published(spec):
    steps = [record("publish", 3, StepState.PENDING, location="/x.twbx")]

    assert build_lineage(spec, steps).layer("dashboard")[0].state is NodeState.PLANNED
