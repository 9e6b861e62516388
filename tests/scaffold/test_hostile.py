"""Untrusted text (ticket summaries, warehouse column names, spec values) stays data."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import cookiecutter.generate
import duckdb
import pytest

from martflow.core.models import ColumnInfo, ColumnRef, Measure, SourceRef, TicketSpec
from martflow.errors import MartflowError, ScaffoldError
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.core.hostile_specs import (
    HOSTILE_TEXTS,
    JINJA_PAYLOADS,
    LOOKALIKES,
    PATHS,
    SQL_INJECTIONS,
)
from tests.scaffold.scaffold_support import (
    DEMO_COLUMNS,
    DIM_SPEC,
    FACT_SPEC,
    PRODUCTS,
    RAW_ROWS,
    RAW_TABLES,
    create_raw_tables,
    introspect,
    lint,
    make_project,
    read_manifest,
    run_dbt,
)
from tests.scaffold_tools import TOOLS

SECRET = "sentinel-token-5f2b9c"
PWNED = '{{ run_query("create table pwned as select 1") }}'
WEIRD = SourceRef("shop", "weird")
WEIRD_COLUMNS = [
    ("id", "INTEGER"),
    ("{{ x }}", "VARCHAR"),
    (PWNED, "VARCHAR"),
    ("{{ env_var('JIRA_API_TOKEN') }}", "VARCHAR"),
    ("{% raw %}", "VARCHAR"),
    ('a"; drop table raw.products; --', "VARCHAR"),
    ("x'y", "VARCHAR"),
    ("Ünïcödé", "VARCHAR"),
    ("日本", "VARCHAR"),
    ("order", "INTEGER"),
    ("select", "INTEGER"),
    ("123", "INTEGER"),
    ("  Spaced Out  ", "VARCHAR"),
    ("a.b", "VARCHAR"),
    ("Date", "VARCHAR"),
]
WEIRD_SPEC = TicketSpec(
    sources=(WEIRD,),
    mart="weird",
    kind="dimension",
    grain=(ColumnRef("weird", "id"),),
    dimensions=(
        ColumnRef("weird", "x"),
        ColumnRef("weird", "run_query_create_table_pwned_as_select_1"),
    ),
)
WEIRD_VALUES = list(enumerate(WEIRD_COLUMNS))[:-1]  # all but "Date"
ALLOWED_IN_CONTEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|")


def _hostile_marts() -> list[tuple[TicketSpec, str, str]]:
    """One dimension mart per hostile text, all over the products table."""
    texts = [*HOSTILE_TEXTS, *((f"payload{i}", p) for i, p in enumerate(JINJA_PAYLOADS))]
    return [
        (replace(DIM_SPEC, mart=f"hostile_{i}"), f"DATA-{i}", text)
        for i, (_name, text) in enumerate(texts)
    ]


@pytest.mark.slow
def test_hostile_text_builds_as_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", SECRET)
    project = tmp_path / "analytics"
    db = make_project(project)
    tables = {**RAW_TABLES, WEIRD: WEIRD_COLUMNS}
    weird_row = (*(1 if t == "INTEGER" else f"v{i}" for i, (_n, t) in WEIRD_VALUES), "2024-01-31")
    create_raw_tables(db, tables, {**RAW_ROWS, WEIRD: [weird_row]})
    columns = introspect(db, list(tables))
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    marts = _hostile_marts()
    for spec, key, summary in [(WEIRD_SPEC, "DATA-W", PWNED), *marts]:
        scaffolder.apply(scaffolder.plan(spec, columns, key, summary))

    assert lint(project, sorted((project / "models").rglob("*.sql"))) == []
    result = run_dbt(project, "build")
    assert result.success, [(r.node.name, str(r.status), r.message) for r in result.result.results]

    manifest = read_manifest(project)
    descriptions = {n["name"]: n["description"] for n in manifest["nodes"].values()}
    for spec, key, summary in marts:
        assert descriptions[spec.mart_model] == f"{key}: {summary}"
    assert descriptions["dim_weird"] == f"DATA-W: {PWNED}"
    source = manifest["sources"]["source.demo.shop.weird"]
    assert list(source["columns"]) == [name for name, _type in WEIRD_COLUMNS]

    with duckdb.connect(str(db)) as con:
        tables_now = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        staged = con.execute("select * from main.stg_shop__weird").fetchall()
        names = [d[0] for d in con.execute("select * from main.stg_shop__weird").description]
    assert "pwned" not in tables_now
    assert "products" in tables_now  # the quoted drop statement stayed a column name
    assert names == [
        "id", "x", "run_query_create_table_pwned_as_select_1", "env_var_jira_api_token",
        "raw_", "a_drop_table_raw_products", "x_y", "unicode", "column_9", "order_", "select_",
        "col_123", "spaced_out", "a_b", "date_",
    ]  # fmt: skip
    assert staged == [(*weird_row[:-1], date(2024, 1, 31))]  # values kept, "Date" cast
    for path in [*project.rglob("*.json"), *project.rglob("*.log"), *project.rglob("*.msgpack")]:
        assert SECRET not in path.read_text(errors="replace"), path


def test_context_holds_only_identifiers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[dict[str, object]] = []
    real = cookiecutter.generate.generate_files

    def spy(*args: object, **kwargs: object) -> str:
        seen.append(kwargs["context"])  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cookiecutter.generate, "generate_files", spy)
    columns = {**DEMO_COLUMNS, WEIRD: [ColumnInfo(n, t) for n, t in WEIRD_COLUMNS]}
    plan = ProjectScaffolder(tmp_path, **TOOLS).plan(WEIRD_SPEC, columns, "K-1", PWNED)
    assert len(seen) == 3

    def leaves(value: object) -> list[object]:
        if isinstance(value, dict):
            return [leaf for v in value.values() for leaf in leaves(v)]
        if isinstance(value, list):
            return [leaf for v in value for leaf in leaves(v)]
        return [value]

    for context in seen:
        for leaf in leaves(context["cookiecutter"]):
            assert isinstance(leaf, bool) or ALLOWED_IN_CONTEXT.fullmatch(str(leaf)), leaf
    staging = next(f for f in plan.files if f.path.endswith("stg_shop__weird.sql")).content
    assert "__MARTFLOW_COLUMN_" not in staging
    assert "{{ adapter.quote('\\x7b\\x7b x \\x7d\\x7d') }} as x," in staging
    assert "{{ adapter.quote('a\"\"; drop table raw.products; --') }} as a_drop_table" in staging
    assert all(
        PWNED not in f.content and "{{ env_var" not in f.content
        for f in plan.files
        if f.path.endswith(".sql")
    )


BAD_IDENTIFIERS = [*JINJA_PAYLOADS, *PATHS, *SQL_INJECTIONS, *LOOKALIKES, "", "Orders"]


@pytest.mark.parametrize("payload", BAD_IDENTIFIERS)
def test_hostile_spec_identifiers_are_refused(payload: str, tmp_path: Path) -> None:
    scaffolder = ProjectScaffolder(tmp_path, **TOOLS)
    bad_table = SourceRef("shop", payload)
    cases = [
        replace(FACT_SPEC, mart=payload),
        replace(DIM_SPEC, sources=(bad_table,), grain=(ColumnRef(payload, "product_id"),)),
        replace(DIM_SPEC, sources=(SourceRef(payload, "products"),)),
        replace(DIM_SPEC, grain=(ColumnRef("products", payload),)),
        replace(DIM_SPEC, measures=(Measure(payload, "count"),)),
    ]
    columns = {**DEMO_COLUMNS, bad_table: DEMO_COLUMNS[PRODUCTS]}
    columns[SourceRef(payload, "products")] = DEMO_COLUMNS[PRODUCTS]
    for spec in cases:
        with pytest.raises(MartflowError) as info:
            scaffolder.plan(spec, columns, "K-1", "summary")
        assert "\n" not in str(info.value).strip()
    assert not (tmp_path / "models").exists()


def test_paths_outside_models_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="inside the project"):
        ProjectScaffolder(tmp_path / "p", models_dir="../elsewhere", **TOOLS)
    scaffolder = ProjectScaffolder(tmp_path / "p", **TOOLS)
    plan = scaffolder.plan(DIM_SPEC, DEMO_COLUMNS, "K-1", "ok")
    evil = replace(plan.files[0], path="models/../evil.sql", action="create")
    with pytest.raises(ScaffoldError, match="outside models/"):
        scaffolder.apply(replace(plan, files=(*plan.files, evil)))
    assert not (tmp_path / "p" / "evil.sql").exists()
    assert not (tmp_path / "p" / "models").exists()  # refused before writing anything

    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "p" / "models" / "staging").mkdir(parents=True)
    (tmp_path / "p" / "models" / "staging" / "shop").symlink_to(outside)
    with pytest.raises(ScaffoldError, match="outside models/"):
        scaffolder.plan(DIM_SPEC, DEMO_COLUMNS, "K-1", "ok")
    assert list(outside.iterdir()) == []
