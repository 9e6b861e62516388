"""Generated SQL is Spark SQL: quoting, casts and types through dbt's adapter macros, lint
clean under sqlfluff's sparksql dialect, compiled by dbt-spark; partition_by per adapter."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from martflow.core.models import ColumnRef
from martflow.integrations.lint import SqlfluffLinter
from martflow.project_scaffold.lint_library import write_library
from martflow.project_scaffold.materialization import partition_config
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import (
    DBT_PROJECT,
    DEMO_COLUMNS,
    DIM_SPEC,
    FACT_SPEC,
    MULTI_GRAIN_SPEC,
    SQLFLUFF_CONFIG,
    lint,
    run_dbt,
)
from tests.scaffold_tools import TOOLS

DAILY = replace(MULTI_GRAIN_SPEC, partition_by=(ColumnRef("orders", "order_date"),))
SPARK_PROFILE = """demo:
  target: dev
  outputs:
    dev:
      type: spark
      method: session
      host: localhost
      schema: analytics
"""


def sqlfluff_project(root: Path, dialect: str) -> Path:
    """A project whose .sqlfluff lints with ``dialect`` and the stand-ins written for it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "macros").mkdir(exist_ok=True)
    (root / ".sqlfluff").write_text(
        SQLFLUFF_CONFIG.replace("dialect = duckdb", f"dialect = {dialect}")
    )
    write_library(root, dialect)
    return root


def scaffold(root: Path, dialect: str, *specs: object) -> list[str]:
    warnings: list[str] = []
    for spec in specs:
        scaffolder = ProjectScaffolder(
            root, source_schemas={"shop": "raw"}, dialect=dialect, **TOOLS
        )
        plan = scaffolder.plan(spec, DEMO_COLUMNS, "DATA-9", "Daily orders")  # type: ignore[arg-type]
        scaffolder.apply(plan)
        warnings += plan.warnings
    return warnings


@pytest.mark.slow
def test_generated_models_lint_under_sparksql_and_compile_with_dbt_spark(tmp_path: Path) -> None:
    project = sqlfluff_project(tmp_path / "spark", "sparksql")
    assert scaffold(project, "sparksql", FACT_SPEC, DIM_SPEC, DAILY) == []
    assert lint(project, sorted((project / "models").rglob("*.sql"))) == []

    (project / "dbt_project.yml").write_text(DBT_PROJECT)
    (project / "profiles.yml").write_text(SPARK_PROFILE)
    # parse and compile render every macro with dbt-spark and start no Spark
    for command in (["parse"], ["compile", "--no-introspect", "--no-populate-cache"]):
        result = run_dbt(project, *command)
        assert result.success, (command, result.exception)
    assert not (project / ".martflow" / "spark").exists()
    assert not (project / "metastore_db").exists()
    compiled = project / "target" / "compiled" / "demo" / "models"
    orders = (compiled / "staging" / "shop" / "stg_shop__orders.sql").read_text()
    assert "`Customer ID` as customer_id" in orders  # backticks: "Customer ID" is a string
    assert "cast(`Order Date` as date)" in orders
    assert "cast(`created_at` as timestamp)" in orders
    daily = (compiled / "marts" / "fct_daily_orders.sql").read_text()
    assert "cast(order_date as string)" in daily
    everything = "\n".join(p.read_text() for p in compiled.rglob("*.sql"))
    for duckdb_only in ("varchar", "strptime", "try_cast", "::"):
        assert duckdb_only not in everything.lower(), duckdb_only
    assert '"' not in everything  # a double-quoted name would be a string literal on Spark


@pytest.mark.parametrize(
    ("dialect", "config", "warned"),
    [
        ("sparksql", {"partition_by": ["order_date"]}, False),
        ("databricks", {"partition_by": ["order_date"]}, False),
        ("bigquery", {"partition_by": {"field": "order_date", "data_type": "date"}}, False),
        ("snowflake", {"cluster_by": ["order_date"]}, False),
        ("duckdb", None, True),
        ("postgres", None, True),
    ],
)
def test_partition_by_becomes_the_adapters_own_config(
    tmp_path: Path, dialect: str, config: dict[str, object] | None, warned: bool
) -> None:
    project = sqlfluff_project(tmp_path / dialect, dialect)
    warnings = scaffold(project, dialect, DAILY)
    properties = yaml.safe_load(
        (project / "models" / "marts" / "_daily_orders__models.yml").read_text()
    )
    (model,) = properties["models"]
    assert model.get("config") == config
    if warned:
        assert warnings == [
            f"partition_by (order_date) ignored: dbt on {dialect} has no partitioning config "
            "(Spark, Databricks, BigQuery and Snowflake do)"
        ]
    else:
        assert warnings == []


def test_bigquery_partitions_by_one_date_column_and_clusters_the_rest() -> None:
    config, warning = partition_config([("paid_at", "timestamp"), ("status", "")], "bigquery")
    assert config == {
        "partition_by": {"field": "paid_at", "data_type": "timestamp"},
        "cluster_by": ["status"],
    }
    assert warning == ""
    config, warning = partition_config([("status", "")], "bigquery")
    assert config == {"cluster_by": ["status"]}
    assert "status is clustered instead" in warning


@pytest.mark.parametrize(
    ("dialect", "quoted", "text_type"),
    [
        ("sparksql", "`Order Date`", "string"),
        ("bigquery", "`Order Date`", "string"),
        ("duckdb", '"Order Date"', "varchar"),
        ("postgres", '"Order Date"', "varchar"),
        ("snowflake", '"Order Date"', "varchar"),
    ],
)
def test_lint_stand_ins_write_the_dialects_quotes_and_types(
    tmp_path: Path, dialect: str, quoted: str, text_type: str
) -> None:
    from sqlfluff.core import FluffConfig, Linter

    project = sqlfluff_project(tmp_path / dialect, dialect)
    config = FluffConfig.from_path(str(project))
    sql = (
        "select {{ dbt.safe_cast(adapter.quote('Order Date'), 'date') }} as d, "
        "{{ dbt.cast('n', dbt.type_string()) }} as n from t\n"
    )
    rendered = Linter(config=config).render_string(sql, "m.sql", config, "utf-8")
    assert rendered.templater_violations == []
    text = str(rendered.templated_variants[0])
    assert f"cast({quoted} as date) as d" in text
    assert f"cast(n as {text_type}) as n" in text


def test_lint_without_a_library_of_its_own_gets_the_dialects_stand_ins(tmp_path: Path) -> None:
    """A project whose .sqlfluff names no library_path: martflow lint brings one, for the
    dialect, and the real ``dbt`` package stays importable in the same process."""
    import dbt

    project = tmp_path / "adopted"
    (project / "models").mkdir(parents=True)
    (project / ".sqlfluff").write_text(
        "[sqlfluff]\ndialect = sparksql\ntemplater = jinja\n\n"
        "[sqlfluff:templater:jinja]\napply_dbt_builtins = True\n"
    )
    model = project / "models" / "stg_orders.sql"
    model.write_text(
        "select\n"
        "    {{ dbt.safe_cast(adapter.quote('Order Date'), 'date') }} as order_date,\n"
        "    {{ dbt.cast('order_id', dbt.type_string()) }} as order_key\n"
        "from raw.orders\n"
    )
    report = SqlfluffLinter(project, cache_dir=tmp_path / "cache").lint([model], fix=False)
    assert [v.code for v in report.violations] == []
    assert sys.modules["dbt"] is dbt  # the stand-in `dbt` is sqlfluff_libs.dbt, not `dbt`
    from dbt.adapters.factory import get_adapter_by_type  # noqa: F401  still importable
