"""DbtWarehouse: source columns through the dbt worker's adapter, in one request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from martflow.core.models import ColumnInfo, SourceRef, TableInfo
from martflow.core.project import Relation
from martflow.errors import WarehouseError
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.warehouse import DbtWarehouse
from tests.integrations.conftest import make_dbt_project

ORDERS = SourceRef("shop", "orders")
CUSTOMERS = SourceRef("shop", "customers")
PAYMENTS = SourceRef("shop", "payments")


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DbtWarehouse, DbtProcessRunner]]:
    project = make_dbt_project(tmp_path_factory.mktemp("wh") / "shop")
    with DbtProcessRunner(project, project) as runner:
        yield DbtWarehouse(runner, project, {"shop": "raw"}), runner


@pytest.mark.slow
@pytest.mark.xdist_group("dbt_worker")
def test_three_tables_in_one_request_with_real_types(
    warehouse: tuple[DbtWarehouse, DbtProcessRunner],
) -> None:
    wh, runner = warehouse
    before = len(runner.commands)

    columns = wh.columns([PAYMENTS, ORDERS, CUSTOMERS])

    assert set(runner.commands[before:]) <= {"parse"}  # adapter reads, no dbt command
    assert list(columns) == [PAYMENTS, ORDERS, CUSTOMERS]
    assert columns[ORDERS] == [
        ColumnInfo("order_id", "BIGINT"),
        ColumnInfo("customer_id", "BIGINT"),
        ColumnInfo("amount", "DECIMAL(10,2)"),
        ColumnInfo("ordered_at", "DATE"),
    ]
    assert [c.name for c in columns[CUSTOMERS]] == ["Customer ID", "First Name", "lastName"]
    assert [c.data_type for c in columns[CUSTOMERS]] == ["BIGINT", "VARCHAR", "VARCHAR"]
    assert [c.name for c in columns[PAYMENTS]] == ["payment_id", "order_id", "amount"]


@pytest.mark.slow
@pytest.mark.xdist_group("dbt_worker")
def test_missing_tables_are_all_named(
    warehouse: tuple[DbtWarehouse, DbtProcessRunner],
) -> None:
    wh, runner = warehouse
    before = len(runner.commands)
    with pytest.raises(WarehouseError) as caught:
        wh.columns([ORDERS, SourceRef("shop", "orderz"), SourceRef("crm", "people")])
    message = str(caught.value)
    assert "shop.orderz (schema raw)" in message
    assert "crm.people (schema crm)" in message
    assert "shop.orders " not in message
    assert set(runner.commands[before:]) <= {"parse"}


def test_no_tables_needs_no_dbt(tmp_path: Path) -> None:
    runner = DbtProcessRunner(tmp_path, tmp_path)
    assert DbtWarehouse(runner, tmp_path, {}).columns([]) == {}
    assert runner.pid is None


@pytest.mark.slow
@pytest.mark.xdist_group("dbt_worker")
def test_tables_lists_the_source_schemas_with_columns_in_one_request(
    warehouse: tuple[DbtWarehouse, DbtProcessRunner],
) -> None:
    wh, runner = warehouse
    before = len(runner.commands)

    tables = wh.tables()

    assert set(runner.commands[before:]) <= {"parse"}
    assert [t.ref for t in tables] == [CUSTOMERS, ORDERS, PAYMENTS]
    assert {t.schema for t in tables} == {"raw"}
    orders = next(t for t in tables if t.table == "orders")
    assert orders == TableInfo(
        "shop",
        "raw",
        "orders",
        (
            ColumnInfo("order_id", "BIGINT"),
            ColumnInfo("customer_id", "BIGINT"),
            ColumnInfo("amount", "DECIMAL(10,2)"),
            ColumnInfo("ordered_at", "DATE"),
        ),
    )
    customers = next(t for t in tables if t.table == "customers")
    assert [c.name for c in customers.columns] == ["Customer ID", "First Name", "lastName"]


@pytest.mark.slow
@pytest.mark.xdist_group("dbt_worker")
def test_tables_of_a_shared_schema_per_source_and_a_missing_schema_named(
    warehouse: tuple[DbtWarehouse, DbtProcessRunner],
) -> None:
    wh, runner = warehouse
    shared = DbtWarehouse(runner, wh.project_dir, {"shop": "raw", "legacy": "raw"})
    assert [t.ref.name for t in shared.tables()] == [
        "legacy.customers",
        "legacy.orders",
        "legacy.payments",
        "shop.customers",
        "shop.orders",
        "shop.payments",
    ]

    missing = DbtWarehouse(runner, wh.project_dir, {"shop": "raw", "crm": "nowhere"})
    with pytest.raises(WarehouseError, match=r"schema not in the warehouse: nowhere$"):
        missing.tables()


def test_tables_without_source_schemas_or_with_a_hostile_one_needs_no_dbt(tmp_path: Path) -> None:
    runner = DbtProcessRunner(tmp_path, tmp_path)
    assert DbtWarehouse(runner, tmp_path, {}).tables() == []
    with pytest.raises(WarehouseError, match="not a plain schema name"):
        DbtWarehouse(runner, tmp_path, {"shop": "raw' or 1=1 --"}).tables()
    assert runner.pid is None


@pytest.mark.slow
@pytest.mark.xdist_group("dbt_worker")
def test_relation_columns_reads_any_schema_and_says_none_for_a_missing_one(
    warehouse: tuple[DbtWarehouse, DbtProcessRunner],
) -> None:
    wh, runner = warehouse
    before = len(runner.commands)
    found = wh.relation_columns(
        [Relation("", "raw", "payments"), Relation("", "raw", "nope"), Relation("", "main", "x")]
    )
    assert [c.name for c in found[0] or ()] == ["payment_id", "order_id", "amount"]
    assert found[1:] == [None, None]
    assert set(runner.commands[before:]) <= {"parse"}
    assert wh.schema_tables(["raw"])["raw"][0][0] == "customers"
    assert wh.relation_columns([]) == []
