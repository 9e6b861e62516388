"""Synthetic raw data for a small shop, generated inside DuckDB, deterministic from a seed.

Every value is a hash of ``(seed, row, column)`` computed by DuckDB over ``range()``: no
Python loops and no ``random()``, so millions of rows take seconds and the same seed gives
identical tables on any thread count. ``rows`` is the number of orders; the other tables
scale from it. The raw tables are deliberately messy so staging has real cleaning to do.

Raw schema (default schema ``raw``; the demo's spec sources are ``shop.<table>`` with
``[scaffold] source_schemas = { shop = "raw" }``). "clean" is the snake_case name a
staging model should give the column; every column name must be double-quoted in SQL.

``customers`` (rows / 5, at least 1):
    "Customer ID"   BIGINT   customer_id    natural key: unique, never NULL
    "FirstName"     VARCHAR  first_name     ~4% padded with spaces, ~4% UPPER CASE
    "last_name "    VARCHAR  last_name      note the trailing space in the name; ~2% NULL,
                                            ~4% lower case
    "EMAIL"         VARCHAR  email          ~5% NULL, ~10% UPPER CASE
    "Country"       VARCHAR  country        ISO-3166 alpha-2; ~10% lower case, ~3% NULL
    "signup_date"   VARCHAR  signup_date    text 'YYYY-MM-DD' (cast(... as date) works)

``products`` (rows / 20, clamped to 50..500):
    "Product_ID"      BIGINT   product_id       natural key: unique, never NULL
    "Product Name"    VARCHAR  product_name     unique
    "Category"        VARCHAR  category         same category in mixed case ("Home", "HOME", "home")
    "UnitPriceCents"  INTEGER  unit_price_cents list price in cents
    "is_active"       VARCHAR  is_active        'Y' or 'N'
    "created_at"      VARCHAR  created_at       text 'YYYY-MM-DD HH:MM:SS'

``orders`` (rows, plus ~0.5% exact duplicate rows, always at least one):
    "order_id"       BIGINT   order_id        unique once exact duplicates are removed
    "Customer ID"    BIGINT   customer_id     -> customers."Customer ID", never NULL
    "Order Date"     VARCHAR  order_date      text 'YYYY-MM-DD', 2022-01-01..2024-12-31
    "Status"         VARCHAR  status          placed/shipped/completed/returned in mixed case
    "ShippingCents"  INTEGER  shipping_cents  ~10% NULL (free shipping)
    "updated_at"     VARCHAR  updated_at      text 'YYYY-MM-DD HH:MM:SS'

``order_items`` (1-4 per order, ~2.5 x rows):
    "order_item_id"  BIGINT   order_item_id   unique, never NULL
    "Order_ID"       BIGINT   order_id        -> orders."order_id"
    "Product_ID"     BIGINT   product_id      -> products."Product_ID"
    "Quantity"       INTEGER  quantity        1..3
    "unit_price"     VARCHAR  unit_price      text decimal '12.99' (cast(... as decimal(12, 2)))

``payments`` (1 per order, 2 for ~10% of orders, plus ~0.5% exact duplicate rows):
    "payment_id"      BIGINT         payment_id      unique once exact duplicates are removed
    "Order ID"        BIGINT         order_id        -> orders."order_id"
    "Payment Method"  VARCHAR        payment_method  credit_card/paypal/gift_card/bank_transfer,
                                                     mixed case; ~2% NULL
    "Amount"          DECIMAL(12,2)  amount          dollars; an order's payments add up to
                                                     its items plus shipping
    "paid_at"         VARCHAR        paid_at         text 'YYYY-MM-DD HH:MM:SS'
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from martflow.core.naming import is_identifier
from martflow.errors import UsageError
from martflow.project_scaffold.synthetic_el import EL_TOOLS, el_statements

TABLES = ("customers", "products", "orders", "order_items", "payments")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST_NAMES = _words(
    "Ava Liam Olivia Noah Emma Oliver Sophia Elijah Mia Lucas Amelia Mateo Harper Levi "
    "Evelyn Ethan Aria James Chloe Benjamin Zoe Henry Nora Jack Layla Leo Lily Owen Grace "
    "Samuel Aisha Kenji Priya Diego Fatima Hannah Ivan Mei Omar Sara"
)
_LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Lopez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Clark Lewis Walker Young Allen King Wright Scott Nguyen Hill Adams Baker Nelson "
    "Carter Mitchell Kim Patel"
)
_COUNTRIES = ("US", "US", "US", "GB", "DE", "FR", "CA", "NL", "ES", "IN", "JP", "BR")
_CATEGORIES = ("Home", "Apparel", "Electronics", "Garden", "Toys", "Books", "Beauty")
_ADJECTIVES = _words(
    "Classic Compact Deluxe Eco Everyday Heavy-Duty Mini Modern Portable Premium Smart "
    "Vintage Wireless Ultra Soft"
)
_NOUNS = _words(
    "Lamp Jacket Headphones Planter Puzzle Notebook Serum Kettle Backpack Speaker Blanket "
    "Mug Sneakers Charger Candle Shears Scarf Novel Drone Brush"
)
_STATUSES = ("placed", "shipped", "completed", "completed", "completed", "returned")
_METHODS = ("credit_card", "credit_card", "paypal", "gift_card", "bank_transfer")


def generate_shop(
    db_path: Path, *, rows: int = 10_000, seed: int = 42, schema: str = "raw", el: str = ""
) -> dict[str, int]:
    """Write the shop's raw tables into a new DuckDB file at ``db_path``.

    The file is built beside the target (``<name>.tmp.duckdb``) and moved into place with
    ``os.replace``, so ``db_path`` is either the previous file or the complete new one.
    An existing file at ``db_path`` is replaced as a whole.

    Args:
        db_path: the DuckDB database file to create or replace.
        rows: number of distinct orders (>= 1); the other tables scale from it.
        seed: any integer; the same seed gives identical tables.
        schema: schema to create the tables in (a lower-case identifier).
        el: "fivetran", "stitch" or "airbyte" to land the tables as that EL tool does
            (see ``synthetic_el``); "" for plain tables.

    Returns:
        Row count per table, duplicates included.

    Raises:
        UsageError: ``rows``, ``seed`` or ``schema`` is not acceptable.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise UsageError(f"rows must be a positive integer, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not -(2**62) < seed < 2**62:
        raise UsageError(f"seed must be an integer, got {seed!r}")
    if not is_identifier(schema):
        raise UsageError(f"schema {schema!r} is not a lower-case identifier")
    if el and el not in EL_TOOLS:
        raise UsageError(f"el {el!r} is not one of {', '.join(EL_TOOLS)}")

    import duckdb  # deferred: only the generator and the warehouse need the engine

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_suffix(".tmp.duckdb")
    _remove_db(tmp)
    try:
        con = duckdb.connect(str(tmp))
        try:
            statements = _statements(rows=rows, seed=seed, schema=schema)
            if el:
                statements += el_statements(el, schema)
            for statement in statements:
                con.execute(statement)
            counts = {table: _count(con, f'"{schema}"."{table}"') for table in TABLES}
            con.execute("checkpoint")
        finally:
            con.close()
        # A stale write-ahead log of the old file would be replayed against the new one.
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db_path}.wal").unlink()
        tmp.replace(db_path)
    except BaseException:
        _remove_db(tmp)
        raise
    return counts


def _remove_db(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    """A DuckDB list literal of constant strings (our own constants, never user text)."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: tuple[str, ...] | list[str], row: str, column: str) -> str:
    """SQL choosing one of ``values`` by the hash of (seed, row, column)."""
    return f"{_sql_list(values)}[1 + (_r({row}, '{column}') % {len(values)})::integer]"


def _statements(*, rows: int, seed: int, schema: str) -> list[str]:
    n_customers = max(1, rows // 5)
    n_products = min(500, max(50, rows // 20))
    s = f'"{schema}"'
    return [
        # _r: the one source of randomness, a hash of (seed, row, column); _pm: per-mille.
        f"create temp macro _r(i, c) as hash({seed}::bigint, i::bigint, c)",
        "create temp macro _pm(i, c) as _r(i, c) % 1000",
        "create temp macro _ts(d, secs) as "
        "strftime(d::timestamp + to_seconds(secs::bigint), '%Y-%m-%d %H:%M:%S')",
        f"create schema {s}",
        f"""
        create table {s}."customers" as
        with base as (
            select i + 1 as id,
                {_pick(_FIRST_NAMES, "i", "first")} as first_name,
                {_pick(_LAST_NAMES, "i", "last")} as last_name
            from range({n_customers}) t(i)
        )
        select
            id as "Customer ID",
            case
                when _pm(id, 'first_pad') < 40 then '  ' || first_name || ' '
                when _pm(id, 'first_pad') < 80 then upper(first_name)
                else first_name
            end as "FirstName",
            case
                when _pm(id, 'last_mess') < 20 then null
                when _pm(id, 'last_mess') < 60 then lower(last_name)
                else last_name
            end as "last_name ",
            case
                when _pm(id, 'email') < 50 then null
                when _pm(id, 'email') < 150
                    then upper(first_name || '.' || last_name || id || '@example.com')
                else lower(first_name || '.' || last_name || id || '@example.com')
            end as "EMAIL",
            case
                when _pm(id, 'country_mess') < 30 then null
                when _pm(id, 'country_mess') < 130 then lower({_pick(_COUNTRIES, "id", "cc")})
                else {_pick(_COUNTRIES, "id", "cc")}
            end as "Country",
            strftime(date '2020-01-01' + (_r(id, 'signup') % 1461)::integer, '%Y-%m-%d')
                as "signup_date"
        from base
        order by id
        """,
        f"""
        create table {s}."products" as
        select
            i + 1 as "Product_ID",
            {_pick(_ADJECTIVES, "i", "adj")} || ' ' || {_pick(_NOUNS, "i", "noun")}
                || ' ' || lpad((i + 1)::varchar, 3, '0') as "Product Name",
            case _r(i, 'cat_case') % 5
                when 0 then upper({_pick(_CATEGORIES, "i", "cat")})
                when 1 then lower({_pick(_CATEGORIES, "i", "cat")})
                else {_pick(_CATEGORIES, "i", "cat")}
            end as "Category",
            (199 + _r(i, 'price') % 19800)::integer as "UnitPriceCents",
            case when _pm(i, 'active') < 900 then 'Y' else 'N' end as "is_active",
            _ts(date '2019-01-01', _r(i, 'created') % (3 * 365 * 86400)) as "created_at"
        from range({n_products}) t(i)
        order by i
        """,
        f"""
        create temp table _orders as
        with base as (
            select
                i + 1 as order_id,
                date '2022-01-01' + (_r(i, 'date') % 1096)::integer as order_date,
                {_pick(_STATUSES, "i", "status")} as status,
                _pm(i, 'status_case') as status_case
            from range({rows}) t(i)
        )
        select
            order_id as "order_id",
            (1 + _r(order_id, 'customer') % {n_customers})::bigint as "Customer ID",
            strftime(order_date, '%Y-%m-%d') as "Order Date",
            case
                when status_case < 100 then upper(status)
                when status_case < 200 then upper(status[1]) || status[2:]
                else status
            end as "Status",
            case when _pm(order_id, 'free_ship') < 100 then null
                 else (_r(order_id, 'ship') % 1500)::integer end as "ShippingCents",
            _ts(order_date, _r(order_id, 'updated') % (5 * 86400)) as "updated_at",
            order_date as _order_date
        from base
        """,
        f"""
        create table {s}."orders" as
        select * exclude (_order_date) from _orders
        union all
        select * exclude (_order_date) from _orders
        where "order_id" = 1 or _pm("order_id", 'dup') < 5
        """,
        # Items: four slots per order, keeping the first 1-4 of them.
        f"""
        create temp table _items as
        with slots as (
            select j // 4 + 1 as order_id, j % 4 as line, j
            from range({rows} * 4) t(j)
        )
        select
            row_number() over (order by j) as order_item_id,
            order_id,
            (1 + _r(j, 'product') % {n_products})::bigint as product_id,
            (1 + _r(j, 'qty') % 3)::integer as quantity
        from slots
        where line <= (_r(order_id, 'n_items') % 4)
        """,
        f"""
        create table {s}."order_items" as
        select
            it.order_item_id as "order_item_id",
            it.order_id as "Order_ID",
            it.product_id as "Product_ID",
            it.quantity as "Quantity",
            (p."UnitPriceCents" // 100)::varchar || '.'
                || lpad((p."UnitPriceCents" % 100)::varchar, 2, '0') as "unit_price"
        from _items it
        join {s}."products" p on p."Product_ID" = it.product_id
        order by it.order_item_id
        """,
        f"""
        create temp table _totals as
        select o."order_id" as order_id, o._order_date as order_date,
            sum(it.quantity * p."UnitPriceCents") + coalesce(any_value(o."ShippingCents"), 0)
                as total_cents
        from _orders o
        join _items it on it.order_id = o."order_id"
        join {s}."products" p on p."Product_ID" = it.product_id
        group by all
        """,
        f"""
        create temp table _payments as
        with slots as (
            select j // 2 + 1 as order_id, j % 2 as part, j
            from range({rows} * 2) t(j)
        ),
        kept as (
            select s.j, s.order_id, s.part, t.order_date,
                case when _pm(s.order_id, 'split') < 100 then t.total_cents * 6 // 10
                     else t.total_cents end as first_cents,
                t.total_cents
            from slots s
            join _totals t on t.order_id = s.order_id
            where s.part = 0 or _pm(s.order_id, 'split') < 100
        )
        select
            row_number() over (order by j) as "payment_id",
            order_id as "Order ID",
            case
                when _pm(j, 'method_mess') < 20 then null
                when _pm(j, 'method_mess') < 120 then upper({_pick(_METHODS, "j", "method")})
                when _pm(j, 'method_mess') < 220
                    then replace({_pick(_METHODS, "j", "method")}, '_', ' ')
                else {_pick(_METHODS, "j", "method")}
            end as "Payment Method",
            -- decimal * decimal is exact in DuckDB; '/' would go through a double
            ((case when part = 0 then first_cents else total_cents - first_cents end)
                * 0.01)::decimal(12, 2) as "Amount",
            _ts(order_date, _r(j, 'paid') % (2 * 86400)) as "paid_at"
        from kept
        """,
        f"""
        create table {s}."payments" as
        select * from (select * from _payments order by "payment_id")
        union all
        select * from (
            select * from _payments
            where "payment_id" = 1 or _pm("payment_id", 'dup') < 5
            order by "payment_id"
        )
        """,
        "drop table _orders",
        "drop table _items",
        "drop table _totals",
        "drop table _payments",
    ]


def _count(con: Any, relation: str) -> int:
    """``count(*)`` of ``relation`` (a quoted, validated name)."""
    row = con.execute(f"select count(*) from {relation}").fetchone()
    return int(row[0]) if row else 0
