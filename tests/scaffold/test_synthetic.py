"""The synthetic shop warehouse: deterministic, scaled, messy, and referentially sound."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest

from martflow.errors import UsageError
from martflow.project_scaffold import synthetic
from martflow.project_scaffold.synthetic import TABLES, generate_shop


def table_hashes(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: hashlib.sha256(
                repr(con.execute(f'select * from raw."{table}" order by all').fetchall()).encode()
            ).hexdigest()
            for table in TABLES
        }


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    db = tmp_path_factory.mktemp("shop") / "warehouse.duckdb"
    return db, generate_shop(db, rows=3000, seed=11)


@pytest.fixture
def con(shop: tuple[Path, dict[str, int]]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(shop[0]), read_only=True)
    yield connection
    connection.close()


def test_same_seed_gives_identical_tables_and_another_seed_does_not(tmp_path: Path) -> None:
    first = table_hashes_of(tmp_path / "a.duckdb", seed=5)
    again = table_hashes_of(tmp_path / "b.duckdb", seed=5)
    other = table_hashes_of(tmp_path / "c.duckdb", seed=6)
    assert first == again
    assert all(first[t] != other[t] for t in TABLES)


def table_hashes_of(db: Path, *, seed: int) -> dict[str, str]:
    generate_shop(db, rows=1500, seed=seed)
    return table_hashes(db)


def test_row_counts_scale_with_rows(tmp_path: Path) -> None:
    small = generate_shop(tmp_path / "s.duckdb", rows=1000)
    large = generate_shop(tmp_path / "l.duckdb", rows=8000)
    with duckdb.connect(str(tmp_path / "l.duckdb"), read_only=True) as con:
        assert scalar(con, "select count(*) from (select distinct * from raw.orders)") == 8000
        for table, count in large.items():
            assert scalar(con, f'select count(*) from raw."{table}"') == count
    assert (small["customers"], large["customers"]) == (200, 1600)
    assert (small["products"], large["products"]) == (50, 400)
    for sizes, rows in ((small, 1000), (large, 8000)):
        assert 2.2 * rows < sizes["order_items"] < 2.8 * rows
        assert 1.05 * rows < sizes["payments"] < 1.2 * rows
        assert rows < sizes["orders"] < 1.02 * rows


def test_orders_and_payments_hold_exact_duplicates_but_keys_are_unique_after(
    con: duckdb.DuckDBPyConnection,
) -> None:
    for table, key in (("orders", "order_id"), ("payments", "payment_id")):
        total = scalar(con, f"select count(*) from raw.{table}")
        distinct = scalar(con, f"select count(*) from (select distinct * from raw.{table})")
        keys = scalar(con, f"select count(distinct {key}) from raw.{table}")
        assert total > distinct, table
        assert keys == distinct, table
    for table, key in (
        ("customers", '"Customer ID"'),
        ("products", '"Product_ID"'),
        ("order_items", "order_item_id"),
    ):
        assert scalar(con, f"select count(*) - count(distinct {key}) from raw.{table}") == 0


@pytest.mark.parametrize(
    ("child", "fk", "parent", "pk"),
    [
        ("orders", '"Customer ID"', "customers", '"Customer ID"'),
        ("payments", '"Order ID"', "orders", "order_id"),
        ("order_items", '"Order_ID"', "orders", "order_id"),
        ("order_items", '"Product_ID"', "products", '"Product_ID"'),
    ],
)
def test_referential_integrity(
    con: duckdb.DuckDBPyConnection, child: str, fk: str, parent: str, pk: str
) -> None:
    orphans = scalar(
        con,
        f"select count(*) from raw.{child} c where c.{fk} is null"
        f" or not exists (select 1 from raw.{parent} p where p.{pk} = c.{fk})",
    )
    assert orphans == 0


def test_every_order_is_paid_exactly(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = scalar(
        con,
        """
        with items as (
            select "Order_ID" as order_id,
                sum("Quantity" * cast(unit_price as decimal(12, 2))) as amount
            from raw.order_items group by all
        ),
        paid as (
            select "Order ID" as order_id, sum("Amount") as amount
            from (select distinct * from raw.payments) group by all
        ),
        orders as (select distinct order_id, "ShippingCents" from raw.orders)
        select count(*) from orders o
        join items i using (order_id)
        join paid p using (order_id)
        where i.amount + coalesce(o."ShippingCents", 0) * 0.01 != p.amount
        """,
    )
    assert mismatched == 0
    assert scalar(con, "select count(distinct order_id) from raw.orders") == scalar(
        con, 'select count(distinct "Order ID") from raw.payments'
    )


def test_schema_matches_the_module_docstring(con: duckdb.DuckDBPyConnection) -> None:
    documented: dict[str, list[tuple[str, str]]] = {}
    table = ""
    for line in (synthetic.__doc__ or "").splitlines():
        if header := re.match(r"``(\w+)`` \(", line):
            table = header.group(1)
            documented[table] = []
        elif column := re.match(r'\s+"([^"]+)"\s+([A-Z]+)', line):
            documented[table].append((column.group(1), column.group(2)))
    actual = {
        t: [
            (name, kind.split("(")[0])
            for name, kind in con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [t],
            ).fetchall()
        ]
        for t in TABLES
    }
    assert documented == actual


def test_columns_are_messy_but_castable(con: duckdb.DuckDBPyConnection) -> None:
    names = con.execute("select column_name from information_schema.columns").fetchall()
    columns = {name for (name,) in names}
    assert {"Customer ID", "FirstName", "last_name ", "Order Date", "Payment Method"} <= columns
    # values that staging has to clean
    assert scalar(con, 'select count(*) from raw.customers where "FirstName" != trim("FirstName")')
    assert scalar(con, 'select count(*) from raw.customers where "last_name " is null')
    assert scalar(con, 'select count(*) from raw.customers where "EMAIL" is null')
    assert scalar(con, 'select count(distinct "Status") from raw.orders') > 4
    assert scalar(con, 'select count(*) from raw.orders where "ShippingCents" is null')
    # one parseable text format per column: every value casts
    for table, column, kind in (
        ("orders", '"Order Date"', "date"),
        ("orders", "updated_at", "timestamp"),
        ("customers", "signup_date", "date"),
        ("products", "created_at", "timestamp"),
        ("order_items", "unit_price", "decimal(12, 2)"),
        ("payments", "paid_at", "timestamp"),
    ):
        sql = f"select count(*) from raw.{table} where try_cast({column} as {kind}) is null"
        assert scalar(con, sql) == 0, (table, column)


def test_generation_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    generate_shop(db, rows=200, seed=1)
    before = table_hashes(db)
    generate_shop(db, rows=200, seed=2)
    assert table_hashes(db) != before
    assert [p.name for p in tmp_path.iterdir()] == ["warehouse.duckdb"]


def test_a_failed_move_leaves_no_temp_database(tmp_path: Path) -> None:
    blocker = tmp_path / "warehouse.duckdb"
    blocker.mkdir()
    (blocker / "keep").write_text("x")
    with pytest.raises(OSError):
        generate_shop(blocker, rows=50)
    assert [p.name for p in tmp_path.iterdir()] == ["warehouse.duckdb"]
    assert (blocker / "keep").read_text() == "x"


def test_custom_schema(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    generate_shop(db, rows=20, schema="shop_raw")
    with duckdb.connect(str(db), read_only=True) as con:
        assert scalar(con, "select count(distinct order_id) from shop_raw.orders") == 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 0}, "rows"),
        ({"rows": "10"}, "rows"),
        ({"rows": True}, "rows"),
        ({"seed": 1.5}, "seed"),
        ({"schema": 'raw"; drop table x; --'}, "schema"),
        ({"schema": "Raw"}, "schema"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        generate_shop(tmp_path / "w.duckdb", **kwargs)
    assert list(tmp_path.iterdir()) == []
