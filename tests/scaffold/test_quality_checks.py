"""Data quality checks on real dbt + DuckDB: a mart is not empty, null rates are capped,
the sources are fresh; each check in the build report with its count, rate and query."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from martflow.core.document_text import render_text
from martflow.core.models import SourceRef
from martflow.core.reports import BuildReport, NodeResult
from martflow.core.workflow.comments import built
from martflow.integrations.dbt import DbtProcessRunner
from martflow.project_scaffold.quality import checks_path, checks_sql
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from martflow.project_scaffold.synthetic import TABLES, generate_shop
from tests.scaffold.scaffold_support import introspect, lint, make_project
from tests.scaffold.test_el_metadata import SPECS
from tests.scaffold_tools import TOOLS

DEMO = SPECS[0]  # DEMO-1: customers, orders, payments -> fct_customer_orders


def scaffold(project: Path, db: Path, **quality: object) -> ProjectScaffolder:
    columns = introspect(db, [SourceRef("shop", t) for t in TABLES])
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS, **quality)  # type: ignore[arg-type]
    scaffolder.apply(scaffolder.plan(DEMO, columns, "DEMO-1", DEMO.mart))
    return scaffolder


def by_check(report: BuildReport) -> dict[str, NodeResult]:
    return {n.check: n for n in (*report.nodes, *report.freshness) if n.check}


def sql(db: Path, text: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db)) as con:
        return con.execute(text).fetchall()


@pytest.mark.slow
def test_checks_report_counts_rates_and_freshness_in_the_warm_worker(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    db = make_project(project)
    generate_shop(db, rows=300, seed=7, el="fivetran")
    scaffold(project, db, max_null_rate=0.5, null_rates={"last_name": 0.001})
    checks_file = project / "macros/martflow/martflow_checks.sql"
    assert checks_file.read_text() == checks_sql()
    assert lint(project, [checks_file]) == []
    models = ["stg_shop__customers", "stg_shop__orders", "stg_shop__payments"]
    models += ["int_customer_orders__joined", "fct_customer_orders"]
    with DbtProcessRunner(project, project) as dbt:
        report = dbt.build(models, mart="fct_customer_orders")
        empty, total = sql(
            db, "select count(*) - count(last_name), count(*) from main.fct_customer_orders"
        )[0]
        assert isinstance(empty, int) and isinstance(total, int) and 0 < empty < total
        checks = by_check(report)
        assert checks["fct_customer_orders has rows"].status == "pass"
        wide = "lifetime_value is empty in at most 50% of the rows in fct_customer_orders"
        assert checks[wide].status == "pass"
        capped = checks["last_name is empty in at most 0.1% of the rows in fct_customer_orders"]
        assert capped.status == "fail" and capped.failures == empty
        rate = f"{round(100 * empty / total, 1):g}%"
        assert capped.detail == f"{empty} of {total} rows empty ({rate})"
        assert len(sql(db, capped.query)) == empty  # the query selects exactly the empty rows
        assert [n.name for n in report.failures] == [capped.name]
        fresh = sorted(report.freshness, key=lambda n: n.name)
        assert [n.name for n in fresh] == ["shop.customers", "shop.orders", "shop.payments"]
        assert all(n.status == "pass" and n.detail.startswith("last synced") for n in fresh)
        assert fresh[0].check == "shop.customers was synced within 24 hours (error after 48 hours)"

        text = render_text(built(report, "5 models"))
        assert f"| {capped.check} | **fail: {capped.detail}** |" in text
        assert f"| {fresh[1].check} | pass |" in text

        # A stale source: its age and a query to look; not a build failure.
        sql(db, "update raw.orders set _fivetran_synced = _fivetran_synced - interval 3 day")
        report = dbt.build(models, mart="fct_customer_orders")
        stale = next(n for n in report.freshness if n.name == "shop.orders")
        assert (stale.status, stale.detail) == ("error", "last synced 3 days ago")
        assert sql(db, stale.query)[0][0] is not None
        assert [n.name for n in report.failures] == [capped.name]

        # An empty mart fails its row-count check.
        for table in ("payments", "orders", "customers"):
            sql(db, f"delete from raw.{table}")
        report = dbt.build(models, mart="fct_customer_orders")
        not_empty = by_check(report)["fct_customer_orders has rows"]
        assert (not_empty.status, not_empty.failures) == ("fail", 1)
        assert "| fct_customer_orders has rows | **fail: no rows** |" in render_text(
            built(report, "5 models")
        )


def test_the_checks_file_goes_to_the_projects_macro_folder_and_a_teams_edit_is_kept(
    tmp_path: Path,
) -> None:
    project = tmp_path / "shop"
    db = make_project(project)
    generate_shop(db, rows=50, seed=7)
    text = (project / "dbt_project.yml").read_text()
    (project / "dbt_project.yml").write_text(text + '\nmacro-paths: ["dbt_macros"]\n')
    assert checks_path(project) == "dbt_macros/martflow/martflow_checks.sql"
    columns = introspect(db, [SourceRef("shop", t) for t in TABLES])
    scaffolder = ProjectScaffolder(project, source_schemas={"shop": "raw"}, **TOOLS)
    plan = scaffolder.plan(DEMO, columns, "DEMO-1", DEMO.mart)
    assert "dbt_macros/martflow/martflow_checks.sql" in {f.path for f in plan.changes}
    scaffolder.apply(plan)
    edited = project / "dbt_macros/martflow/martflow_checks.sql"
    edited.write_text(checks_sql() + "\n{# our own tweak #}\n")
    again = scaffolder.plan(DEMO, columns, "DEMO-1", DEMO.mart, force=True)
    assert "dbt_macros/martflow/martflow_checks.sql" not in {f.path for f in again.files}
    assert edited.read_text().endswith("{# our own tweak #}\n")


def test_the_quality_config_reaches_the_scaffolder_and_the_dbt_worker(tmp_path: Path) -> None:
    from martflow.config import Config, Project, QualityConfig
    from martflow.context import AppContext

    quality = QualityConfig(
        max_null_rate=0.2, null_rates={"email": 1.0, "phone": 0.05}, source_freshness=False
    )
    (tmp_path / "config.toml").write_text("")
    context = AppContext(Project(Config(quality=quality), tmp_path / "config.toml"))
    try:
        scaffolder = context.scaffolder()
        assert scaffolder.max_null_rate == 0.2  # type: ignore[attr-defined]
        assert scaffolder.null_rates == {"email": None, "phone": 0.05}  # type: ignore[attr-defined]
        assert context.dbt().source_freshness is False  # type: ignore[attr-defined]
    finally:
        context.close()
