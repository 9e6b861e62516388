"""Governed staging on a real DuckDB: profiled through the dbt worker, scaffolded, linted,
built by dbt; PII masked or dropped, flags read as booleans, categories normalized and
tested with values the data supplied (quotes and Jinja included, taken as data)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from martflow.core.models import ColumnProfile, ColumnRef, SourceRef, TicketSpec
from martflow.core.project import Relation
from martflow.errors import ConfigError, ScaffoldError
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.warehouse import DbtWarehouse
from martflow.project_scaffold.cleaning import cleaning_for
from martflow.project_scaffold.governed import GovernancePolicy
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import (
    create_raw_tables,
    introspect,
    lint,
    make_project,
    run_dbt,
)
from tests.scaffold_tools import TOOLS

PEOPLE = SourceRef("shop", "people")
HOSTILE = "{{ env_var('HOME') }}"
COLUMNS = [
    ("Person ID", "BIGINT"),
    ("Email", "VARCHAR"),
    ("Phone", "VARCHAR"),
    ("Segment", "VARCHAR"),
    ("Active", "VARCHAR"),
    ("Opt In", "VARCHAR"),
    ("Status", "VARCHAR"),
    ("Nick", "VARCHAR"),
]
SEGMENTS = [" Garden", "GARDEN", "garden ", "O'Brien", "o'brien", HOSTILE, HOSTILE, "Tools "]
ROWS = [
    (
        i + 1,
        f"person{i}@example.com",
        f"555-01{i:02d}",
        SEGMENTS[i % len(SEGMENTS)],
        ["Y", "N", " y"][i % 3],
        ["yes", "NO"][i % 2],
        ["Open", "CLOSED"][i % 2],
        f"nick {i}",
    )
    for i in range(16)
]


def spec(*dimensions: str, pii: tuple[str, ...] = ("email", "phone")) -> TicketSpec:
    return TicketSpec(
        sources=(PEOPLE,),
        mart="people_segments",
        kind="dimension",
        grain=(ColumnRef("people", "person_id"),),
        dimensions=tuple(ColumnRef("people", d) for d in dimensions),
        pii=tuple(ColumnRef("people", c) for c in pii),
        unclean=(ColumnRef("people", "status"),),
    )


def scaffold_and_build(root: Path, the_spec: TicketSpec, mode: str) -> tuple[Path, Path]:
    project = root / mode
    db = make_project(project)
    create_raw_tables(db, {PEOPLE: COLUMNS}, {PEOPLE: ROWS})
    columns = introspect(db, [PEOPLE])
    scaffolder = ProjectScaffolder(
        project,
        source_schemas={"shop": "raw"},
        governance=GovernancePolicy(mode=mode),
        **TOOLS,
    )
    targets = scaffolder.profile_targets(the_spec, columns)
    assert targets == {PEOPLE: ["Segment", "Active", "Opt In", "Nick"]}  # not PII, not Status
    with DbtProcessRunner(project, project) as runner:
        warehouse = DbtWarehouse(runner, project, {"shop": "raw"})
        (profiles,) = warehouse.profile([(Relation("", "raw", "people"), targets[PEOPLE])])
    plan = scaffolder.plan(the_spec, columns, "T-1", "people", profiles={PEOPLE: profiles})
    scaffolder.apply(plan)
    written = [project / f.path for f in plan.files if f.path.endswith(".sql")]
    assert lint(project, written) == []
    result = run_dbt(project, "build")
    statuses = {r.node.name: str(r.status) for r in result.result.results}
    assert result.success, statuses
    return project, db


def test_profile_finds_flags_and_categories_in_one_query_per_table(tmp_path: Path) -> None:
    project, db = scaffold_and_build(tmp_path, spec("segment", "active", "phone"), "mask")
    staged = (project / "models/staging/shop/stg_shop__people.sql").read_text()
    assert HOSTILE not in staged and "brien" not in staged  # data never enters the SQL
    with duckdb.connect(str(db)) as con:
        rows = con.execute(
            "select segment, active, opt_in, status, nick, email, phone "
            "from main.stg_shop__people order by person_id"
        ).fetchall()
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'stg_shop__people'"
            ).fetchall()
        )
    assert types["active"] == types["opt_in"] == "BOOLEAN"
    assert {r[0] for r in rows} == {"garden", "o'brien", HOSTILE.lower(), "tools"}
    assert [r[1] for r in rows[:3]] == [True, False, True]
    assert {r[3] for r in rows} == {"Open", "CLOSED"}  # clean: {people.status: false}
    assert rows[0][4] == "nick 0"  # sixteen distinct nicknames: not a category
    # Masked: letters and digits hidden, no raw value left.
    assert rows[0][5] == "*******@*******.***" and rows[0][6] == "***-****"
    raw = {v for row in ROWS for v in row[1:3]}
    with duckdb.connect(str(db)) as con:
        mart = con.execute("select * from main.dim_people_segments").fetchall()
    assert mart and not [v for row in mart for v in row if v in raw]
    # The YAML marks the PII columns and tests the categories the profile found.
    models = yaml.safe_load((project / "models/staging/shop/_shop__models.yml").read_text())
    by_name = {c["name"]: c for c in models["models"][0]["columns"]}
    assert by_name["email"]["meta"] == {"pii": True, "pii_treatment": "mask"}
    assert "Personal data (PII)" in by_name["phone"]["description"]
    (test,) = by_name["segment"]["data_tests"]
    values = test["accepted_values"]["arguments"]["values"]
    assert "o''brien" in values and "{{ '{' }}{{ '{' }} env_var(''home'') }}" in values
    mart_yml = (project / "models/marts/_people_segments__models.yml").read_text()
    assert "pii_treatment: mask" in mart_yml


def test_drop_leaves_pii_out_and_refuses_a_spec_that_uses_it(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match=r'people.phone is personal data and .*"drop"'):
        scaffold_and_build(tmp_path, spec("segment", "phone"), "drop")
    _, db = scaffold_and_build(tmp_path / "ok", spec("segment"), "drop")
    with duckdb.connect(str(db)) as con:
        names = [
            n
            for (n,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_name = 'stg_shop__people'"
            ).fetchall()
        ]
    assert "email" not in names and "phone" not in names and "segment" in names


def test_hash_without_a_salt_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = tmp_path / "p"
    db = make_project(project)
    create_raw_tables(db, {PEOPLE: COLUMNS}, {PEOPLE: ROWS})
    policy = GovernancePolicy(mode="hash", salt_missing=lambda: "set MARTFLOW_PII_SALT")
    scaffolder = ProjectScaffolder(
        project, source_schemas={"shop": "raw"}, governance=policy, **TOOLS
    )
    with pytest.raises(ConfigError, match="MARTFLOW_PII_SALT"):
        scaffolder.plan(spec("segment"), introspect(db, [PEOPLE]), "T-1", "people")
    assert not (project / "models").exists()


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ((("y", 5), ("n", 4)), "flag"),
        ((("yes", 5), ("no", 1)), "flag"),
        ((("true", 2), ("false", 2)), "flag"),
        ((("1", 9), ("0", 3)), "flag"),
        ((("1", 9),), "category"),  # one value, a name saying nothing: not a flag
        ((("a", 2), ("b", 2)), "category"),
        ((("a", 1), ("b", 1), ("c", 1)), ""),  # values do not repeat: names, not categories
        (tuple((f"v{i}", 5) for i in range(21)), ""),  # too many values
    ],
)
def test_cleaning_decisions(values, kind) -> None:
    assert cleaning_for("col", ColumnProfile(values, 20)).kind == kind


def test_a_flag_name_makes_one_token_a_flag() -> None:
    assert cleaning_for("is_active", ColumnProfile((("y", 9),), 9)).kind == "flag"


def test_unsafe_values_get_no_accepted_values_test() -> None:
    cleaning = cleaning_for("col", ColumnProfile((("a\\", 2), ("b", 2)), 4))
    assert cleaning.kind == "category" and not cleaning.testable


SOURCES_WITH_META = """\
version: 2
sources:
  - name: shop
    schema: raw
    tables:
      - name: people
        columns:
          - name: Email
            meta: {pii: true}
          - name: Phone
            config: {meta: {pii: true}}
          - name: Segment
            meta: {pii: false}
"""


def test_columns_the_project_marks_pii_are_treated_without_the_spec_naming_them(tmp_path):
    project = tmp_path / "p"
    db = make_project(project)
    create_raw_tables(db, {PEOPLE: COLUMNS}, {PEOPLE: ROWS})
    (project / "models" / "sources").mkdir(parents=True)
    (project / "models" / "sources" / "shop.yml").write_text(SOURCES_WITH_META)
    with DbtProcessRunner(project, project) as runner:
        index = runner.project_index()
    declared = index.source("shop", "people")
    assert declared is not None and declared.pii_columns == ("Email", "Phone")
    scaffolder = ProjectScaffolder(
        project, source_schemas={"shop": "raw"}, governance=GovernancePolicy(mode="mask"), **TOOLS
    )
    the_spec = spec("segment", pii=())
    plan = scaffolder.plan(the_spec, introspect(db, [PEOPLE]), "T-1", "people", index=index)
    staged = next(f.content for f in plan.files if f.path.endswith("stg_shop__people.sql"))
    assert "regexp_replace({{ dbt.cast(adapter.quote('Email')" in staged
    assert "regexp_replace({{ dbt.cast(adapter.quote('Phone')" in staged
    assert "people.email: personal data, masked" in plan.governance


def test_a_pii_column_of_a_reused_staging_model_is_refused(tmp_path):
    from martflow.core.inputs import ResolvedInput

    project = tmp_path / "p"
    db = make_project(project)
    create_raw_tables(db, {PEOPLE: COLUMNS}, {PEOPLE: ROWS})
    columns = introspect(db, [PEOPLE])
    reused = ResolvedInput(PEOPLE, "reuse", Relation("", "main", "stg_people"), "stg_people")
    existing = {
        PEOPLE: [
            c.__class__(c.name.lower().replace(" ", "_"), c.data_type) for c in columns[PEOPLE]
        ]
    }
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    with pytest.raises(ScaffoldError, match=r"people\.phone is personal data, and stg_people"):
        scaffolder.plan(spec("segment", "phone"), existing, "T-1", "p", inputs=[reused])
    # Not selected by the spec: nothing raw reaches the mart, so the plan goes ahead.
    assert scaffolder.plan(spec("segment"), existing, "T-1", "p", inputs=[reused]).files


def test_a_pii_column_the_table_lacks_is_an_error_not_a_silent_pass(tmp_path):
    from martflow.errors import WarehouseError

    project = tmp_path / "p"
    db = make_project(project)
    create_raw_tables(db, {PEOPLE: COLUMNS}, {PEOPLE: ROWS})
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    with pytest.raises(WarehouseError, match=r"pii: shop\.people has no column 'emial'"):
        scaffolder.plan(spec("segment", pii=("emial",)), introspect(db, [PEOPLE]), "T-1", "p")
