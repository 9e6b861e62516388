"""Tickets on the adopted jaffle repo: the manifest decides what exists, the whole project
still builds on a fresh warehouse, and martflow leaves nothing untracked behind."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.existing.conftest import file_ticket, martflow
from tests.existing.jaffle import CUSTOMERS, SOURCES_YML, build_fresh, failed_nodes, git

pytestmark = pytest.mark.slow

CUSTOMER_VALUE = """\
martflow:
  sources: [stg_orders, stg_customers, stripe.payments]
  joins:
    - stg_orders.customer_id = stg_customers.customer_id
    - payments.order_id = stg_orders.order_id
  mart: customer_value
  kind: fact
  grain: [stg_customers.customer_id]
  dimensions: [stg_customers.first_name, stg_customers.last_name]
  measures:
    - {name: order_count, expr: "count(distinct stg_orders.order_id)"}
    - {name: lifetime_value, expr: "sum(payments.amount)"}
  dashboard: Customer value
"""

REFUNDS = """\
martflow:
  sources: [stripe.refunds, stripe.payments]
  joins: ["refunds.payment_id = payments.payment_id"]
  mart: refunds_by_method
  kind: fact
  grain: [payments.payment_method]
  measures:
    - {name: refund_count, expr: "count(refunds.refund_id)"}
    - {name: refunded_cents, expr: "sum(refunds.amount_cents)"}
"""


def steps(root: Path, key: str) -> dict[str, dict]:
    status = json.loads(martflow(root, "--json", "status", key).stdout)
    return {s["name"]: s for s in status["steps"]}


def committed(root: Path) -> list[str]:
    return git(root, "diff", "--name-only", "develop..HEAD").splitlines()


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_existing_staging_models_and_seeds_are_reused_and_the_whole_project_builds(
    adopted: Path, tmp_path: Path
) -> None:
    # Untracked files of the user's that the pipeline will not write: start accepts them.
    (adopted / "notes.sql").write_text("select 'scratch'\n")
    (adopted / "exports").mkdir()
    (adopted / "exports" / "customers.csv").write_text("id\n1\n")
    key = file_ticket(adopted, "Customer value", CUSTOMER_VALUE)

    martflow(adopted, "run", key)

    done = steps(adopted, key)
    assert {name: s["state"] for name, s in done.items()} == dict.fromkeys(done, "succeeded")
    assert "using stg_orders, stg_customers, stg_payments as they are" in done["scaffold"]["detail"]
    assert "fct_customer_value has 100 rows" in done["build"]["detail"]
    # Only the two new models, the mart's YAML, its data dictionary and martflow's check
    # macros (in the project's first macro path): no staging duplicate, no second source.
    assert sorted(committed(adopted)) == [
        "docs/data-dictionary/fct_customer_value.md",
        "transform/macros/martflow/martflow_checks.sql",
        "transform/models/intermediate/customer_value/int_customer_value__joined.sql",
        "transform/models/marts/_customer_value__models.yml",
        "transform/models/marts/fct_customer_value.sql",
    ]
    joined = (
        adopted / "transform/models/intermediate/customer_value/int_customer_value__joined.sql"
    ).read_text()
    assert "ref('stg_payments')" in joined and "ref('stg_customers')" in joined
    assert "from stg_customers\nleft join stg_orders" in joined  # the grain's table is the base
    # Everything martflow left is committed or ignored; the user's files are untouched.
    assert git(adopted, "status", "--porcelain", "--untracked-files=all").splitlines() == [
        "?? exports/customers.csv",
        "?? notes.sql",
    ]
    assert (adopted / "dashboards" / "fct_customer_value.twbx").is_file()
    linted = json.loads(martflow(adopted, "lint", key.lower(), "--format", "json").stdout)
    assert linted == {"files": 2, "violations": []}  # the ticket's two models

    built = build_fresh(adopted / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)
    fresh = tmp_path / "fresh" / "fresh.duckdb"
    assert rows(fresh, "select count(*) from main.fct_customer_value") == [(CUSTOMERS,)]
    assert rows(fresh, "select count(*) from main.fct_customer_value where order_count = 0") == [
        (CUSTOMERS - 62,)
    ]


def test_a_new_table_of_a_declared_source_goes_into_its_file_keeping_its_comments(
    adopted: Path, tmp_path: Path
) -> None:
    key = file_ticket(adopted, "Refunds by payment method", REFUNDS)

    martflow(adopted, "run", key, "--until", "commit")

    sources = (adopted / "transform/models/sources.yml").read_text()
    head = SOURCES_YML.split("\n# Nothing else is loaded yet.\n")[0]
    assert sources.startswith(head + "  - name: refunds\n    columns:\n    - name: refund_id\n")
    assert sources.endswith("\n# Nothing else is loaded yet.\n")
    assert (
        sources.count("- name: stripe") == 1
        and "schema: landing  # not the source's name" in sources
    )
    files = committed(adopted)
    assert "transform/models/sources.yml" in files
    assert "transform/models/staging/stripe/stg_stripe__refunds.sql" in files
    assert not any(f.endswith("__sources.yml") for f in files)  # never a second declaration
    assert not any("stg_stripe__payments" in f for f in files)  # stg_payments is reused
    staging = (adopted / "transform/models/staging/stripe/stg_stripe__refunds.sql").read_text()
    assert "source('stripe', 'refunds')" in staging
    assert git(adopted, "status", "--porcelain") == ""

    built = build_fresh(adopted / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)
    fresh = tmp_path / "fresh" / "fresh.duckdb"
    assert rows(
        fresh, "select payment_method, refund_count from main.fct_refunds_by_method order by 1"
    ) == [("credit_card", 5), ("gift_card", 2)]


def test_without_reuse_a_declared_table_gets_staging_from_its_declaration(
    adopted: Path, tmp_path: Path
) -> None:
    config = adopted / "config.toml"
    config.write_text(config.read_text().replace("reuse_staging = true", "reuse_staging = false"))
    git(adopted, "commit", "-qam", "no reuse")
    # Without the staging model the raw table's columns count: payments.id, not payment_id.
    spec = REFUNDS.replace("payments.payment_id", "payments.id")
    key = file_ticket(adopted, "Refunds by payment method", spec)

    martflow(adopted, "run", key, "--until", "build")

    staging = adopted / "transform/models/staging/stripe/stg_stripe__payments.sql"
    assert "source('stripe', 'payments')" in staging.read_text()
    assert "stripe_payments_v2" not in staging.read_text()  # the declaration says where
    assert (adopted / "transform/models/sources.yml").read_text().count("- name: payments") == 1
    built = build_fresh(adopted / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)


def files_of(root: Path) -> list[str]:
    """Every file but git's, martflow's own ignored state, and the warehouse (its WAL comes
    and goes as DuckDB checkpoints)."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if not {".git", ".martflow"} & set(p.relative_to(root).parts) and ".duckdb" not in p.name
    )


def test_dry_run_writes_nothing_anywhere(adopted: Path, tmp_path: Path) -> None:
    key = file_ticket(adopted, "Refunds by payment method", REFUNDS)
    project = adopted / "transform"
    watched = [project / "target" / "manifest.json", project / "logs" / "dbt.log"]
    before = {p: p.read_bytes() for p in watched}
    listing = files_of(adopted)

    plan = json.loads(martflow(adopted, "--json", "scaffold", key, "--dry-run").stdout)

    actions = {f["path"]: f["action"] for f in plan["files"]}
    assert actions["models/sources.yml"] == "update"
    assert "+  - name: refunds" in next(
        f["diff"] for f in plan["files"] if f["path"] == "models/sources.yml"
    )
    assert files_of(adopted) == listing
    assert {p: p.read_bytes() for p in watched} == before  # the team's dbt artifacts too
    assert sorted(p.name for p in (project / "macros").iterdir()) == [".gitkeep"]
    assert git(adopted, "status", "--porcelain", "--untracked-files=all") == ""
    built = build_fresh(project, tmp_path / "fresh")
    assert built.success, failed_nodes(built)


def test_a_model_name_that_exists_fails_before_anything_is_written(
    adopted: Path, tmp_path: Path
) -> None:
    spec = REFUNDS.replace("mart: refunds_by_method", "mart: orders")
    key = file_ticket(adopted, "Orders", spec)

    martflow(adopted, "start", key)
    result = martflow(adopted, "scaffold", key, code=1)

    detail = steps(adopted, key)["scaffold"]["detail"]
    assert "the model fct_orders already exists at models/marts/fct_orders.sql" in detail
    assert "fct_orders" in result.stderr + result.stdout
    assert git(adopted, "status", "--porcelain", "--untracked-files=all") == ""
    built = build_fresh(adopted / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)


def test_a_bare_name_that_is_no_model_or_seed_is_a_spec_problem(adopted: Path) -> None:
    spec = CUSTOMER_VALUE.replace("stripe.payments]", "payments]")
    key = file_ticket(adopted, "Customer value", spec)
    martflow(adopted, "start", key)
    martflow(adopted, "scaffold", key, code=1)
    detail = steps(adopted, key)["scaffold"]["detail"]
    assert '"payments" is not a model or seed of the dbt project jaffle' in detail
    assert "did you mean stripe.payments" in detail
    shown = json.loads(martflow(adopted, "--json", "show", key).stdout)
    assert any("stripe.payments" in c["body"] for c in shown["comments"])
