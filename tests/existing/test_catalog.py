"""The spec editor's catalog on the jaffle repo: inputs a spec may name, never a model as raw."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from martflow.context import AppContext
from martflow.services.catalog import source_catalog
from tests.existing.jaffle import build_fresh, failed_nodes

pytestmark = pytest.mark.slow


def catalog(root: Path) -> dict[str, tuple[str, list[str]]]:
    context = AppContext.load(root / "config.toml")
    try:
        return {t.name: (t.kind, [c.name for c in t.columns]) for t in source_catalog(context)}
    finally:
        context.close()


def test_declared_sources_undeclared_tables_seeds_and_staging_models_only(
    adopted: Path, tmp_path: Path
) -> None:
    # Models and raw tables share the schema "main": a raw CRM export lands there too.
    with duckdb.connect(str(adopted / "transform" / "jaffle.duckdb")) as con:
        con.execute('create table main.crm_accounts ("Account ID" integer, "Region" varchar)')
    config = adopted / "config.toml"
    config.write_text(
        config.read_text().replace("source_schemas = {}", 'source_schemas = { crm = "main" }')
    )

    found = catalog(adopted)

    assert list(found) == [
        "crm.crm_accounts",  # raw, in the models' schema
        "stripe.refunds",  # raw, in a declared source's schema, not declared yet
        "raw_customers",
        "raw_orders",
        "stg_customers",
        "stg_orders",
        "stg_payments",  # stripe.payments is offered through its staging model
    ]
    assert found["crm.crm_accounts"] == ("raw", ["account_id", "region"])
    assert found["stripe.refunds"][0] == "raw"
    assert found["raw_customers"] == ("seed", ["id", "first_name", "last_name"])
    assert found["stg_payments"] == (
        "model",
        ["payment_id", "order_id", "payment_method", "amount"],
    )
    assert "fct_orders" not in found and "returned_orders" not in found

    # Without reuse, the declared table itself is offered (with its raw columns staged).
    config.write_text(config.read_text().replace("reuse_staging = true", "reuse_staging = false"))
    found = catalog(adopted)
    assert found["stripe.payments"] == ("source", ["id", "order_id", "payment_method", "amount"])
    built = build_fresh(adopted / "transform", tmp_path / "fresh")  # nothing was changed
    assert built.success, failed_nodes(built)
