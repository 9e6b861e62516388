"""Shared fixtures for the scaffold tests: the demo specs, raw data, a dbt project, lint."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from martflow.core.models import ColumnInfo, ColumnRef, JoinSpec, Measure, SourceRef, TicketSpec
from martflow.project_scaffold.init import TEMPLATE_DIR
from martflow.project_scaffold.lint_library import write_library

ORDERS = SourceRef("shop", "orders")
CUSTOMERS = SourceRef("shop", "customers")
PAYMENTS = SourceRef("shop", "payments")
PRODUCTS = SourceRef("shop", "products")


def col(table: str, column: str) -> ColumnRef:
    return ColumnRef(table, column)


FACT_SPEC = TicketSpec(
    sources=(ORDERS, CUSTOMERS, PAYMENTS),
    joins=(
        JoinSpec(col("orders", "customer_id"), col("customers", "customer_id")),
        JoinSpec(col("payments", "order_id"), col("orders", "order_id")),
    ),
    mart="customer_orders",
    kind="fact",
    grain=(col("orders", "customer_id"),),
    dimensions=(col("customers", "first_name"), col("customers", "last_name")),
    measures=(
        Measure("order_count", "count", col("orders", "order_id"), distinct=True),
        Measure("lifetime_value", "sum", col("payments", "amount")),
    ),
    dashboard="Customer lifetime value",
)

DIM_SPEC = TicketSpec(
    sources=(PRODUCTS,),
    mart="products",
    kind="dimension",
    grain=(col("products", "product_id"),),
    dimensions=(col("products", "product_name"), col("products", "category")),
)

MULTI_GRAIN_SPEC = TicketSpec(
    sources=(ORDERS,),
    mart="daily_orders",
    kind="fact",
    grain=(col("orders", "order_date"), col("orders", "status")),
    measures=(Measure("order_count", "count", None),),
)

# Warehouse DDL of the raw tables: mixed case, spaces, a trailing space, string dates.
RAW_TABLES: dict[SourceRef, list[tuple[str, str]]] = {
    ORDERS: [
        ("Order ID", "INTEGER"),
        ("Customer ID", "INTEGER"),
        ("Order Date", "VARCHAR"),
        ("Status ", "VARCHAR"),
        ("created_at", "VARCHAR"),
    ],
    CUSTOMERS: [
        ("customer_id", "INTEGER"),
        ("FirstName", "VARCHAR"),
        ("LastName", "VARCHAR"),
        ("Signed Up On", "VARCHAR"),
    ],
    PAYMENTS: [
        ("payment_id", "INTEGER"),
        ("OrderID", "INTEGER"),
        ("Amount", "DECIMAL(10,2)"),
        ("Paid At", "VARCHAR"),
    ],
    PRODUCTS: [
        ("Product ID", "INTEGER"),
        ("Product Name", "VARCHAR"),
        ("Category", "VARCHAR"),
        ("Unit Price", "DECIMAL(10,2)"),
    ],
}

RAW_ROWS: dict[SourceRef, list[tuple[object, ...]]] = {
    ORDERS: [
        (10, 1, "2024-01-05", "completed", "2024-01-05 10:00:00"),
        (11, 1, "2024-01-06", "completed", "2024-01-06 11:00:00"),
        (12, 2, "2024-01-06", "placed", "2024-01-06 12:00:00"),
        (12, 2, "2024-01-06", "placed", "2024-01-06 12:00:00"),  # exact duplicate
    ],
    CUSTOMERS: [
        (1, "Ada", "Lovelace", "2023-01-01"),
        (2, "Alan", "Turing", "2023-02-01"),
        (3, "Grace", "Hopper", "2023-03-01"),  # no orders: not in the fact
    ],
    PAYMENTS: [
        (100, 10, 25.50, "2024-01-05 10:05:00"),
        (101, 11, 10.00, "2024-01-06 11:05:00"),
        (101, 11, 10.00, "2024-01-06 11:05:00"),  # exact duplicate
        (102, 12, 7.25, "2024-01-06 12:05:00"),
    ],
    PRODUCTS: [(1, "Lamp", "Home", 9.99), (2, "Mug", "Home", 4.50), (2, "Mug", "Home", 4.50)],
}

DEMO_COLUMNS = {
    ref: [ColumnInfo(name, data_type) for name, data_type in cols]
    for ref, cols in RAW_TABLES.items()
}

REPO_SQLFLUFF = TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / ".sqlfluff"
SQLFLUFF_CONFIG = REPO_SQLFLUFF.read_text().replace("{{ cookiecutter.dialect }}", "duckdb")
"""The .sqlfluff `martflow init` writes: generated models must lint clean under it."""


def write_sqlfluff(root: Path) -> None:
    """Give ``root`` the .sqlfluff of a new repo, with the folders it points at."""
    (root / ".sqlfluff").write_text(SQLFLUFF_CONFIG)
    (root / "macros").mkdir(exist_ok=True)
    write_library(root, "duckdb")


DBT_PROJECT = """\
name: demo
version: "1.0.0"
profile: demo
model-paths: ["models"]
models:
  demo:
    staging:
      +materialized: view
    intermediate:
      +materialized: view
    marts:
      +materialized: table
"""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_raw_tables(
    db: Path,
    tables: dict[SourceRef, list[tuple[str, str]]],
    rows: dict[SourceRef, list[tuple[object, ...]]],
) -> None:
    """Create schema ``raw`` and its tables with the real duckdb module."""
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists raw")
        for ref, columns in tables.items():
            ddl = ", ".join(f"{quote(name)} {data_type}" for name, data_type in columns)
            con.execute(f"create table raw.{ref.table} ({ddl})")
            marks = ", ".join("?" for _ in columns)
            if rows.get(ref):
                con.executemany(f"insert into raw.{ref.table} values ({marks})", rows[ref])


def introspect(db: Path, refs: list[SourceRef]) -> dict[SourceRef, list[ColumnInfo]]:
    """Columns as the warehouse reports them, in table order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            ref: [
                ColumnInfo(name, data_type)
                for name, data_type in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                    [ref.table],
                ).fetchall()
            ]
            for ref in refs
        }


def make_project(root: Path) -> Path:
    """A dbt-duckdb project folder with a .sqlfluff; returns the warehouse file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(DBT_PROJECT)
    db = root / "warehouse.duckdb"
    (root / "profiles.yml").write_text(
        "demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {json.dumps(str(db))}\n      threads: 1\n"
    )
    write_sqlfluff(root)
    return db


def run_dbt(project: Path, *args: str) -> object:
    """Run dbt in-process against the project; return the dbtRunnerResult."""
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke(
        [*args, "--project-dir", str(project), "--profiles-dir", str(project), "--no-use-colors"]
    )


def lint(project: Path, paths: list[Path]) -> list[dict[str, object]]:
    """sqlfluff violations of ``paths`` under the project's .sqlfluff."""
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(str(project))
    result = Linter(config=config).lint_paths(tuple(str(p) for p in paths))
    return [
        {"file": rec["filepath"], **v} for rec in result.as_records() for v in rec["violations"]
    ]


def read_manifest(project: Path) -> dict[str, object]:
    return json.loads((project / "target" / "manifest.json").read_text())
