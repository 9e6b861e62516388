"""EL tools' bookkeeping columns: recognised, soft deletes dropped, sync time kept, freshness."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from martflow.core.models import ColumnInfo, SourceRef
from martflow.core.spec import extract_spec_text, parse_spec
from martflow.project_scaffold.demo import CUSTOMER_ORDERS, PRODUCTS
from martflow.project_scaffold.el_metadata import loader_columns
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from martflow.project_scaffold.synthetic import TABLES, generate_shop
from martflow.project_scaffold.synthetic_el import DELETED_KEY_OFFSET, EL_TOOLS
from tests.scaffold.scaffold_support import introspect, lint, make_project, run_dbt
from tests.scaffold_tools import TOOLS


def cols(*names: str) -> list[ColumnInfo]:
    return [ColumnInfo(n, "TIMESTAMP") for n in names]


@pytest.mark.parametrize(
    ("names", "loader", "synced", "deleted", "kind"),
    [
        (
            ("id", "_fivetran_synced", "_fivetran_deleted", "_fivetran_id"),
            "fivetran",
            "_fivetran_synced",
            "_fivetran_deleted",
            "flag",
        ),
        (
            ("ID", "_FIVETRAN_SYNCED", "_FIVETRAN_DELETED"),  # Snowflake folds to upper case
            "fivetran",
            "_FIVETRAN_SYNCED",
            "_FIVETRAN_DELETED",
            "flag",
        ),
        (
            ("id", "_sdc_received_at", "_sdc_batched_at", "_sdc_deleted_at", "_sdc_sequence"),
            "stitch",
            "_sdc_batched_at",
            "_sdc_deleted_at",
            "timestamp",
        ),
        (
            ("id", "_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta"),
            "airbyte",
            "_airbyte_extracted_at",
            "",
            "flag",
        ),
        (
            ("id", "_airbyte_ab_id", "_airbyte_emitted_at", "_ab_cdc_deleted_at"),
            "airbyte",
            "_airbyte_emitted_at",
            "_ab_cdc_deleted_at",
            "timestamp",
        ),
    ],
)
def test_loader_columns_are_recognised(names, loader, synced, deleted, kind) -> None:
    found = loader_columns(cols(*names))
    assert (found.loader, found.synced, found.deleted) == (loader, synced, deleted)
    if deleted:
        assert found.deleted_kind == kind
    assert found.dropped == frozenset(names[1:])


def test_plain_columns_are_not_loader_columns() -> None:
    found = loader_columns(cols("id", "fivetran_synced", "sdc_note", "loaded_at"))
    assert found.loader == "" and not found.dropped


SPECS = [parse_spec(extract_spec_text(text) or "") for text in (CUSTOMER_ORDERS, PRODUCTS)]


def build_demo(root: Path, el: str) -> tuple[Path, Path]:
    """The demo shop landed as ``el`` does, DEMO-1 and DEMO-2 scaffolded and built."""
    project = root / (el or "plain")
    db = make_project(project)
    generate_shop(db, rows=300, seed=7, el=el)
    columns = introspect(db, [SourceRef("shop", t) for t in TABLES])
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    for key, spec in zip(("DEMO-1", "DEMO-2"), SPECS, strict=True):
        scaffolder.apply(scaffolder.plan(spec, columns, key, spec.mart))
    result = run_dbt(project, "build")
    statuses = {r.node.name: str(r.status) for r in result.result.results}
    assert result.success, statuses
    assert all(s in {"pass", "success"} for s in statuses.values()), statuses
    return project, db


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db)) as con:  # dbt-duckdb in this process holds it read-write
        return con.execute(sql).fetchall()


MARTS = (
    "select * from main.fct_customer_orders order by customer_id",
    "select * from main.dim_products order by product_id",
)


@pytest.fixture(scope="module")
def plain_marts(tmp_path_factory) -> list[list[tuple[object, ...]]]:
    _, db = build_demo(tmp_path_factory.mktemp("plain"), "")
    return [rows(db, sql) for sql in MARTS]


SYNCED = {
    "fivetran": "_fivetran_synced",
    "stitch": "_sdc_batched_at",
    "airbyte": "_airbyte_extracted_at",
}


@pytest.mark.slow
@pytest.mark.parametrize("el", EL_TOOLS)
def test_demo_landed_by_an_el_tool_builds_the_same_marts(tmp_path, el, plain_marts) -> None:
    project, db = build_demo(tmp_path, el)
    # Soft-deleted rows are in the raw tables, never in staging; the marts equal the plain
    # shop's (a deleted payment counted would change lifetime_value).
    assert rows(db, f"select count(*) from raw.payments where payment_id > {DELETED_KEY_OFFSET}")
    assert [rows(db, sql) for sql in MARTS] == plain_marts
    for table, key in (("customers", "customer_id"), ("payments", "payment_id")):
        staged = rows(db, f"select max({key}), count(_loaded_at) from main.stg_shop__{table}")
        assert staged[0][0] < DELETED_KEY_OFFSET and staged[0][1] > 0
    staged_columns = [
        r[0]
        for r in rows(
            db,
            "select column_name from information_schema.columns "
            "where table_name = 'stg_shop__orders' order by ordinal_position",
        )
    ]
    assert staged_columns[-1] == "_loaded_at"
    assert not [c for c in staged_columns if c.startswith(("_fivetran", "_sdc", "_airbyte", "_ab"))]
    assert lint(project, sorted((project / "models").rglob("*.sql"))) == []

    sources = yaml.safe_load(
        (project / "models/staging/shop/_shop__sources.yml").read_text(encoding="utf-8")
    )
    orders = next(t for t in sources["sources"][0]["tables"] if t["name"] == "orders")
    assert orders["config"]["loaded_at_field"] == SYNCED[el]
    assert orders["config"]["freshness"]["error_after"] == {"count": 48, "period": "hour"}
    # dbt reads the freshness config: the synthetic rows synced over the last day.
    freshness = run_dbt(project, "source", "freshness")
    verdicts = {r.node.name: str(r.status) for r in freshness.result.results}
    assert verdicts == dict.fromkeys(("orders", "customers", "payments", "products"), "pass")
