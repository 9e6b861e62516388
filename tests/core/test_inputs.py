"""Spec inputs resolved against a parsed project (no dbt: the index is built by hand)."""

from __future__ import annotations

import pytest

from martflow.core.inputs import input_columns, resolve_inputs
from martflow.core.models import ColumnInfo, SourceRef
from martflow.core.project import DeclaredSource, ProjectIndex, ProjectNode, Relation
from martflow.core.spec import parse_spec
from martflow.errors import ScaffoldError, SpecError, WarehouseError

PAYMENTS = DeclaredSource(
    "source.jaffle.stripe.payments",
    "stripe",
    "payments",
    Relation("db", "landing", "stripe_payments_v2"),
    "models/sources.yml",
    "jaffle",
)
SEED = ProjectNode(
    "seed.jaffle.raw_customers",
    "raw_customers",
    "seed",
    "seeds/raw_customers.csv",
    Relation("db", "main", "raw_customers"),
    "jaffle",
    ("id", "first_name"),
)


def model(name: str, *parents: str, path: str = "", columns: tuple[str, ...] = ()) -> ProjectNode:
    return ProjectNode(
        f"model.jaffle.{name}",
        name,
        "model",
        path or f"models/staging/{name}.sql",
        Relation("db", "main", name),
        "jaffle",
        columns,
        parents,
    )


INDEX = ProjectIndex(
    "jaffle",
    sources=(PAYMENTS,),
    nodes=(
        SEED,
        model("stg_customers", SEED.unique_id, columns=("customer_id", "first_name")),
        model("stg_payments", PAYMENTS.unique_id),
        model("payments_summary", PAYMENTS.unique_id),
        model("fct_orders", "model.jaffle.stg_customers", path="models/marts/fct_orders.sql"),
    ),
)


def resolve(*names: str, **kwargs: object):
    refs = [SourceRef(*n.split(".")) if "." in n else SourceRef("", n) for n in names]
    return resolve_inputs(refs, INDEX, source_schemas={"crm": "landing_crm"}, **kwargs)


def test_each_kind_of_input() -> None:
    items = resolve("stripe.payments", "stripe.refunds", "crm.accounts", "raw_customers")
    assert [(i.kind, i.model, str(i.relation), i.sources_file) for i in items] == [
        ("reuse", "stg_payments", "main.stg_payments", ""),
        ("new_table", "", "landing.refunds", "models/sources.yml"),
        ("source", "", "landing_crm.accounts", ""),
        ("ref", "raw_customers", "main.raw_customers", ""),
    ]
    assert [i.generates_staging for i in items] == [False, True, True, False]
    assert items[1].relation.database == "db"  # the declaration's database, too


def test_the_stg_model_wins_and_reuse_can_be_turned_off() -> None:
    assert INDEX.staging_for(PAYMENTS).name == "stg_payments"  # not payments_summary
    (declared,) = resolve("stripe.payments", reuse_staging=False)
    assert (declared.kind, str(declared.relation), declared.sources_file) == (
        "declared",
        "landing.stripe_payments_v2",
        "models/sources.yml",
    )


def test_martflows_own_files_are_planned_again_not_reused() -> None:
    (own_source,) = resolve("stripe.payments", owned={"models/sources.yml"})
    assert own_source.kind == "source"
    (own_staging,) = resolve("stripe.payments", owned={"models/staging/stg_payments.sql"})
    assert own_staging.kind == "declared"


def test_an_unknown_bare_name_is_a_spec_error_with_a_hint() -> None:
    with pytest.raises(SpecError) as caught:
        resolve("stg_customers", "payments")
    assert caught.value.field == "martflow.sources[1]"
    assert "did you mean stripe.payments (a declared source table)?" in caught.value.message
    with pytest.raises(SpecError, match='did you mean "stg_customers"'):
        resolve("stg_customer")


def test_a_packages_source_is_not_written_into() -> None:
    foreign = DeclaredSource(
        "source.pkg.ads.clicks", "ads", "clicks", Relation("", "ads", "c"), "x.yml", "pkg"
    )
    index = ProjectIndex("jaffle", sources=(foreign,))
    with pytest.raises(ScaffoldError, match="declared by the package 'pkg'"):
        resolve_inputs([SourceRef("ads", "views")], index, source_schemas={})


def test_columns_come_from_the_warehouse_else_the_project() -> None:
    items = resolve("stg_customers", "raw_customers", "stripe.refunds")
    found = [None, None, (ColumnInfo("refund_id", "INTEGER"),)]
    columns = input_columns(items, found, INDEX)
    assert [c.name for c in columns[SourceRef("", "stg_customers")]] == [
        "customer_id",
        "first_name",
    ]
    assert [c.name for c in columns[SourceRef("", "raw_customers")]] == ["id", "first_name"]
    with pytest.raises(WarehouseError) as caught:
        input_columns(resolve("stg_payments", "stripe.refunds"), [None, None], INDEX)
    assert "model stg_payments is not built at main.stg_payments" in caught.value.message
    assert "dbt build --select stg_payments" in caught.value.message
    assert "stripe.refunds (landing.refunds)" in caught.value.message


def test_a_spec_names_models_and_seeds_bare_and_refers_to_them_by_name() -> None:
    spec = parse_spec(
        "martflow:\n"
        "  sources: [stg_orders, stg_customers, stripe.payments]\n"
        "  joins: [stg_orders.customer_id = stg_customers.customer_id,"
        " payments.order_id = stg_orders.order_id]\n"
        "  mart: customer_value\n"
        "  grain: [stg_customers.customer_id]\n"
        "  measures: [{name: n, expr: count(*)}]\n"
    )
    assert [s.name for s in spec.sources] == ["stg_orders", "stg_customers", "stripe.payments"]
    assert [s.is_ref for s in spec.sources] == [True, True, False]
