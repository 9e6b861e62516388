"""Snowflake as users have it: the generated models lint under sqlfluff's snowflake dialect,
compile with dbt-snowflake (no connection needed), and build on fakesnow's local server."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from martflow.core.models import ColumnRef
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.mart_reader import AdapterMartReader
from martflow.project_scaffold.materialization import mart_config
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import (
    DBT_PROJECT,
    DEMO_COLUMNS,
    FACT_SPEC,
    RAW_ROWS,
    RAW_TABLES,
    lint,
    run_dbt,
    write_sqlfluff,
)
from tests.scaffold_tools import TOOLS

pytestmark = [pytest.mark.slow]

# first_name and last_name are Snowflake keywords (staged as first_name_): keep to the rest
SPEC = replace(FACT_SPEC, grain=(ColumnRef("customers", "customer_id"),), dimensions=())

PROFILE = """demo:
  target: dev
  outputs:
    dev:
      type: snowflake
      account: acme
      user: analyst
      password: "{{{{ env_var('SNOWFLAKE_PASSWORD', 'unused') }}}}"
      database: analytics
      schema: marts
      warehouse: transforming
      role: transformer
      threads: 1
{extra}"""


def snowflake_project(root: Path, extra: str = "") -> Path:
    """The demo fact scaffolded for Snowflake, its mart a dynamic table."""
    root.mkdir(parents=True)
    (root / "dbt_project.yml").write_text(DBT_PROJECT)
    (root / "profiles.yml").write_text(PROFILE.format(extra=extra))
    write_sqlfluff(root)
    sqlfluff = root / ".sqlfluff"
    sqlfluff.write_text(sqlfluff.read_text().replace("dialect = duckdb", "dialect = snowflake"))
    scaffolder = ProjectScaffolder(
        root,
        source_schemas={"shop": "raw"},
        dialect="snowflake",
        mart_config=mart_config("materialized_view", "snowflake", "15 minutes", ""),
        **TOOLS,
    )
    scaffolder.apply(scaffolder.plan(SPEC, DEMO_COLUMNS, "DATA-1", "Lifetime value"))
    return root


def test_generated_models_lint_under_snowflake_and_compile_with_dbt_snowflake(
    tmp_path: Path,
) -> None:
    project = snowflake_project(tmp_path / "sf")
    assert "dialect = snowflake" in (project / ".sqlfluff").read_text()
    assert lint(project, sorted((project / "models").rglob("*.sql"))) == []
    mart_yml = (project / "models" / "marts" / "_customer_orders__models.yml").read_text()
    assert "materialized: dynamic_table" in mart_yml
    assert "target_lag: 15 minutes" in mart_yml
    assert "snowflake_warehouse: '{{ target.warehouse }}'" in mart_yml

    # parse and compile need no connection: nothing listens for "acme" here
    for command in (["parse"], ["compile", "--no-introspect", "--no-populate-cache"]):
        result = run_dbt(project, *command)
        assert result.success, (command, result.exception)
    compiled = project / "target" / "compiled" / "demo" / "models" / "staging" / "shop"
    orders = (compiled / "stg_shop__orders.sql").read_text()
    assert '"Customer ID" as customer_id' in orders
    assert "from analytics.raw.orders" in orders.lower()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fakesnow_port(tmp_path: Path) -> Iterator[int]:
    """fakesnow's server mode: Snowflake's HTTP protocol over DuckDB, in memory."""
    port = free_port()
    fakesnow = Path(sys.executable).with_name("fakesnow")
    log = (tmp_path / "fakesnow.log").open("w")
    proc = subprocess.Popen([str(fakesnow), "-s", "-p", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert proc.poll() is None, (tmp_path / "fakesnow.log").read_text()
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def load_raw(port: int) -> None:
    import snowflake.connector

    conn = snowflake.connector.connect(
        user="analyst",
        password="x",
        account="acme",
        host="127.0.0.1",
        port=port,
        protocol="http",
        database="analytics",
    )
    try:
        cur = conn.cursor()
        cur.execute("create database if not exists analytics")
        cur.execute("create schema if not exists analytics.raw")
        for ref, columns in RAW_TABLES.items():
            ddl = ", ".join(f'"{name}" {kind}' for name, kind in columns)
            cur.execute(f"create table analytics.raw.{ref.table} ({ddl})")
            marks = ", ".join("%s" for _ in columns)
            insert = f"insert into analytics.raw.{ref.table} values ({marks})"
            cur.executemany(insert, RAW_ROWS[ref])
    finally:
        conn.close()


def test_the_fact_builds_on_fakesnow_and_reads_back_through_the_adapter(
    fakesnow_port: int, tmp_path: Path
) -> None:
    extra = f"      host: 127.0.0.1\n      port: {fakesnow_port}\n      protocol: http\n"
    project = snowflake_project(tmp_path / "sf", extra)
    load_raw(fakesnow_port)
    with DbtProcessRunner(project, project) as runner:
        report = runner.build(["+fct_customer_orders"], mart="fct_customer_orders")
        assert not report.failures, [n.message for n in report.failures]
        # The grain's table (customers) is the base: Grace, without orders, is in the fact.
        assert report.mart_rows == 3
        columns, rows = AdapterMartReader(runner).read("fct_customer_orders")
        names = [name.lower() for name, _ in columns]
        assert names == ["customer_id", "order_count", "lifetime_value"]
        assert sorted(row[1] for row in rows) == [0, 1, 2]
