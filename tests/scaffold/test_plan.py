"""Planning and writing: diffs, idempotency, conflicts, --force, merges, template overrides."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from martflow.core.models import ColumnRef
from martflow.errors import ScaffoldError, WarehouseError
from martflow.project_scaffold.render import builtin_templates
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import CUSTOMERS, DEMO_COLUMNS, DIM_SPEC, FACT_SPEC, ORDERS
from tests.scaffold_tools import TOOLS

STAGED_ORDERS = "models/staging/shop/stg_shop__orders.sql"
SOURCES = "models/staging/shop/_shop__sources.yml"
MART = "models/marts/fct_customer_orders.sql"


def scaffolder(project: Path, **kwargs: object) -> ProjectScaffolder:
    return ProjectScaffolder(project, source_schemas={"shop": "raw"}, **kwargs, **TOOLS)  # type: ignore[arg-type]


def scaffold(project: Path, spec=FACT_SPEC, force: bool = False) -> list[Path]:  # type: ignore[no-untyped-def]
    s = scaffolder(project)
    return s.apply(s.plan(spec, DEMO_COLUMNS, "DATA-1", "Customer LTV", force=force))


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*") if p.is_file()
    }


def test_plan_writes_nothing_and_shows_creations(tmp_path: Path) -> None:
    plan = scaffolder(tmp_path).plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "Customer LTV")
    assert snapshot(tmp_path) == {}
    assert {f.action for f in plan.files} == {"create"}
    assert [f.path for f in plan.files][:2] == [SOURCES, STAGED_ORDERS]
    orders = next(f for f in plan.files if f.path == STAGED_ORDERS)
    assert orders.diff.startswith(f"--- /dev/null\n+++ b/{STAGED_ORDERS}\n")
    assert "+        {{ adapter.quote('Customer ID') }} as customer_id,\n" in orders.diff
    assert plan.changes == plan.files


def test_apply_writes_files_and_manifest_then_rescaffold_changes_nothing(tmp_path: Path) -> None:
    written = scaffold(tmp_path)
    manifest = json.loads((tmp_path / ".martflow/scaffold-manifest.json").read_text())
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(manifest)
    for path, digest in manifest.items():
        assert hashlib.sha256((tmp_path / path).read_bytes()).hexdigest() == digest
    before = snapshot(tmp_path)

    s = scaffolder(tmp_path)
    plan = s.plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "Customer LTV")
    assert {f.action for f in plan.files} == {"unchanged"}
    assert all(f.diff == "" for f in plan.files)
    assert s.apply(plan) == []
    assert snapshot(tmp_path) == before


def test_hand_edited_file_is_a_conflict_until_forced(tmp_path: Path) -> None:
    scaffold(tmp_path)
    edited = tmp_path / STAGED_ORDERS
    edited.write_text(edited.read_text() + "-- my tweak\n")
    s = scaffolder(tmp_path)
    plan = s.plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "Customer LTV, v2")
    actions = {f.path: f.action for f in plan.files}
    assert actions[STAGED_ORDERS] == "conflict"
    assert actions["models/marts/_customer_orders__models.yml"] == "update"
    conflict = next(f for f in plan.files if f.path == STAGED_ORDERS)
    assert "--- a/models/staging/shop/stg_shop__orders.sql" in conflict.diff
    assert "--my tweak" not in conflict.diff and "--- my tweak" in conflict.diff
    before = snapshot(tmp_path)
    with pytest.raises(ScaffoldError, match=r"--force.*stg_shop__orders\.sql"):
        s.apply(plan)
    assert snapshot(tmp_path) == before  # refused as a whole: nothing written

    forced = s.plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "Customer LTV, v2", force=True)
    assert {f.path: f.action for f in forced.files}[STAGED_ORDERS] == "update"
    s.apply(forced)
    assert "my tweak" not in edited.read_text()
    manifest = json.loads((tmp_path / ".martflow/scaffold-manifest.json").read_text())
    assert manifest[STAGED_ORDERS] == hashlib.sha256(edited.read_bytes()).hexdigest()


def test_file_martflow_did_not_create_is_a_conflict(tmp_path: Path) -> None:
    mine = tmp_path / MART
    mine.parent.mkdir(parents=True)
    mine.write_text("select 1 as hand_written\n")
    plan = scaffolder(tmp_path).plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "x")
    assert {f.path: f.action for f in plan.files}[MART] == "conflict"
    with pytest.raises(ScaffoldError, match=r"fct_customer_orders\.sql"):
        scaffolder(tmp_path).apply(plan)
    assert mine.read_text() == "select 1 as hand_written\n"


def test_spec_change_updates_only_what_changed(tmp_path: Path) -> None:
    scaffold(tmp_path)
    wider = replace(
        FACT_SPEC, dimensions=(*FACT_SPEC.dimensions, ColumnRef("customers", "signed_up_on"))
    )
    plan = scaffolder(tmp_path).plan(wider, DEMO_COLUMNS, "DATA-1", "Customer LTV")
    changed = {f.path for f in plan.changes}
    assert changed == {
        MART,
        "models/intermediate/customer_orders/int_customer_orders__joined.sql",
        "models/marts/_customer_orders__models.yml",
    }
    assert all(f.action == "update" for f in plan.changes)
    mart = next(f for f in plan.files if f.path == MART)
    assert "+    signed_up_on," in mart.diff


HAND_SOURCES = """\
version: 2

sources:
  - name: shop
    schema: raw_hand  # keep: loaded by the nightly job
    tables:
      - name: legacy_table  # added by hand
      - name: orders
        description: Orders as loaded.
        columns:
          - name: Order ID
            description: keep me
"""


def test_sources_file_is_merged_keeping_comments_and_hand_added_tables(tmp_path: Path) -> None:
    path = tmp_path / SOURCES
    path.parent.mkdir(parents=True)
    path.write_text(HAND_SOURCES)
    s = scaffolder(tmp_path)
    plan = s.plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "x")
    assert {f.path: f.action for f in plan.files}[SOURCES] == "update"  # never a conflict
    s.apply(plan)
    merged = path.read_text()
    assert "schema: raw_hand  # keep: loaded by the nightly job" in merged
    assert "- name: legacy_table  # added by hand" in merged
    assert "description: keep me" in merged and "description: Orders as loaded." in merged
    assert merged.count("- name: Order ID") == 1
    for name in ("Customer ID", "Order Date", "FirstName", "Paid At"):
        assert f"- name: {name}" in merged
    assert merged.startswith(HAND_SOURCES.split("      - name: Order ID")[0])

    again = s.plan(FACT_SPEC, DEMO_COLUMNS, "DATA-1", "x")
    assert {f.path: f.action for f in again.files}[SOURCES] == "unchanged"


def test_project_templates_override_builtin_ones(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(builtin_templates() / "mart", templates / "mart")
    sql = next((templates / "mart").rglob("*.sql"))
    sql.write_text(sql.read_text() + "-- house style mart\n")
    project = tmp_path / "project"
    plan = scaffolder(project, templates_dir=templates).plan(DIM_SPEC, DEMO_COLUMNS, "K", "x")
    contents = {f.path: f.content for f in plan.files}
    assert contents["models/marts/dim_products.sql"].endswith("\n-- house style mart\n")
    assert contents["models/staging/shop/stg_shop__products.sql"].startswith("with source as")


def test_bad_inputs_name_the_thing_at_fault(tmp_path: Path) -> None:
    s = scaffolder(tmp_path)
    missing = {k: v for k, v in DEMO_COLUMNS.items() if k != CUSTOMERS}
    with pytest.raises(WarehouseError, match=r"shop\.customers"):
        s.plan(FACT_SPEC, missing, "K", "x")
    typo = replace(FACT_SPEC, dimensions=(ColumnRef("customers", "frist_name"),))
    with pytest.raises(WarehouseError, match=r"frist_name.*first_name"):
        s.plan(typo, DEMO_COLUMNS, "K", "x")
    unjoined = replace(FACT_SPEC, joins=FACT_SPEC.joins[:1])
    with pytest.raises(ScaffoldError, match="no join connects payments to orders"):
        s.plan(unjoined, DEMO_COLUMNS, "K", "x")
    with pytest.raises(ScaffoldError, match="schema"):
        ProjectScaffolder(tmp_path, source_schemas={"shop": "raw; drop"}, **TOOLS).plan(
            DIM_SPEC, DEMO_COLUMNS, "K", "x"
        )
    (tmp_path / ".martflow").mkdir()
    (tmp_path / ".martflow/scaffold-manifest.json").write_text("[1, 2")
    with pytest.raises(ScaffoldError, match=r"scaffold-manifest\.json"):
        s.plan(DIM_SPEC, DEMO_COLUMNS, "K", "x")


def test_unqualified_grain_resolves_to_the_first_joined_table(tmp_path: Path) -> None:
    spec = replace(FACT_SPEC, grain=(ColumnRef("", "customer_id"),))
    plan = scaffolder(tmp_path).plan(spec, DEMO_COLUMNS, "K", "x")
    joined = next(f for f in plan.files if f.path.endswith("__joined.sql")).content
    assert "select\n    orders.customer_id,\n" in joined
    assert ORDERS.table == "orders"
