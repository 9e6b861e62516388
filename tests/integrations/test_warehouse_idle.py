"""An idle dbt worker leaves the DuckDB file free for the user's own tools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from martflow.integrations.dbt import DbtProcessRunner
from tests.integrations.conftest import CHAIN

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dbt_worker")]


def write_from_another_process(database: Path, table: str) -> subprocess.CompletedProcess[str]:
    """Open ``database`` for writing in a separate Python process, as a user's shell would."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        f"con.execute('create or replace table main.{table} as select 42 as answer')\n"
        "con.close()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(database)], capture_output=True, text=True, timeout=60
    )


def assert_writable(database: Path, table: str) -> None:
    done = write_from_another_process(database, table)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]


def test_the_file_is_free_after_every_kind_of_request(dbt_project: Path) -> None:
    database = dbt_project / "warehouse.duckdb"
    with DbtProcessRunner(dbt_project, dbt_project) as dbt:
        dbt.project_index()
        assert_writable(database, "after_parse")
        result = dbt.build([CHAIN], mart="fct_customer_orders")
        assert result.mart_rows == 5
        assert_writable(database, "after_build")
        columns, rows = dbt.show("fct_customer_orders", 3)
        assert "lifetime_value" in columns and len(rows) == 3
        assert_writable(database, "after_show")
        streamed = [
            row
            for batch in dbt.stream("stream", model="fct_customer_orders", batch=2)
            for row in batch
        ]
        assert len(streamed) == 5
        assert_writable(database, "after_stream")
        # The worker opens the file again on the next read, and sees what others wrote.
        (main,) = dbt.request("schema_tables", schemas=["main"])["entries"]
        tables = {t["table"] for t in main["tables"]}
        assert {"after_parse", "after_build", "after_show", "after_stream"} <= tables
        assert_writable(database, "after_reopen")
