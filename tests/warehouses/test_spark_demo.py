"""DEMO-1 end to end on Spark in local mode (dbt-spark, method: session): raw tables loaded
as Parquet by PySpark, staging views, the mart a table, tests, the extract read through the
adapter; Spark's files kept under .martflow/; a partitioned mart really partitioned.

One demo run and one warm dbt worker serve every test here (Spark takes ~15-50 s to start
per process, and its Derby metastore admits one process at a time).
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.core.models import ColumnRef
from martflow.core.project import Relation
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.mart_reader import AdapterMartReader
from martflow.integrations.warehouse import DbtWarehouse
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from martflow.project_scaffold.synthetic import TABLES
from tests.java_runtime import ensure_java
from tests.scaffold.scaffold_support import MULTI_GRAIN_SPEC, ORDERS
from tests.scaffold_tools import TOOLS
from tests.tableau.conftest import read_hyper

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

MART_COLUMNS = ["customer_id", "first_name", "last_name", "order_count", "lifetime_value"]
DAILY = replace(
    MULTI_GRAIN_SPEC,
    grain=(ColumnRef("orders", "order_date"), ColumnRef("orders", "status")),
    partition_by=(ColumnRef("orders", "order_date"),),
)


def invoke(args: list[str]) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["--json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.fixture(scope="module")
def spark_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:
    """``martflow demo --warehouse spark``, run once: (repo, exit code, --json document)."""
    ensure_java()
    root = tmp_path_factory.mktemp("spark") / "spark-demo"
    code, document = invoke(["demo", str(root), "--rows", "300", "--warehouse", "spark"])
    return root, code, document


@pytest.fixture(scope="module")
def worker(spark_demo: tuple[Path, int, dict]) -> Iterator[DbtProcessRunner]:
    """A warm dbt worker on the demo repo (started after the demo's own has exited)."""
    root = spark_demo[0]
    with DbtProcessRunner(root, root) as runner:
        yield runner


def test_demo_1_runs_end_to_end_on_spark(spark_demo: tuple[Path, int, dict]) -> None:
    root, code, document = spark_demo
    assert code == 0, [(s["name"], s["state"], s["detail"]) for s in document["steps"]]
    assert document["status"] == "Done"
    assert {s["state"] for s in document["steps"]} == {"succeeded"}, document["steps"]
    assert "sparksql" in (root / ".sqlfluff").read_text()
    assert "method: session" in (root / "profiles.yml").read_text()

    warehouse = root / ".martflow" / "spark" / "warehouse"
    for table in TABLES:  # raw tables: Parquet files written by Spark
        assert list((warehouse / "raw.db" / table).glob("*.parquet")), table
    analytics = warehouse / "analytics.db"
    assert list((analytics / "fct_customer_orders").glob("*.parquet"))  # the mart: a table
    assert not (analytics / "stg_shop__orders").exists()  # staging: views, no files

    build = next(s for s in document["steps"] if s["name"] == "build")
    assert "12/12 tests passed" in build["detail"]  # not-empty, null rates, accepted values
    mart_rows = int(build["detail"].rsplit(" has ", 1)[1].split()[0])
    assert mart_rows > 0
    code, shown = invoke(["--config", str(root / "config.toml"), "show", "DEMO-1"])
    assert code == 0
    comments = [c["body"] for c in shown["comments"] if c["body"].startswith("martflow build")]
    assert len(comments) == 1 and f"fct_customer_orders has {mart_rows} rows" in comments[0]

    unpacked = root.parent / "unpacked"
    with zipfile.ZipFile(root / "dashboards" / "fct_customer_orders.twbx") as archive:
        archive.extract("Data/Extracts/fct_customer_orders.hyper", unpacked)
    columns, rows = read_hyper(
        unpacked / "Data/Extracts/fct_customer_orders.hyper", root.parent / "hyper-logs"
    )
    assert [name for name, _ in columns] == MART_COLUMNS
    assert dict(columns)["lifetime_value"] == "NUMERIC(22, 2)"  # Spark's sum(decimal(12,2))
    assert len(rows) == mart_rows


def test_spark_keeps_its_metastore_and_warehouse_under_dot_martflow(
    spark_demo: tuple[Path, int, dict],
) -> None:
    root = spark_demo[0]
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=root, capture_output=True, text=True
    ).stdout.splitlines()
    assert "!! .martflow/" in status
    assert set(status) <= {"!! .martflow/", "!! dashboards/", "!! logs/", "!! target/"}
    spark = root / ".martflow" / "spark"
    assert (spark / "metastore_db").is_dir() and (spark / "derby.log").is_file()
    strays = [
        p
        for name in ("metastore_db", "derby.log", "spark-warehouse")
        for p in root.rglob(name)
        if spark not in p.parents
    ]
    assert strays == []


def test_preview_and_columns_read_through_the_adapter(
    spark_demo: tuple[Path, int, dict], worker: DbtProcessRunner
) -> None:
    columns, rows = worker.show("fct_customer_orders", limit=7)
    assert columns == MART_COLUMNS
    assert len(rows) == 7  # the limit is in the SQL (dbt-spark's cursor has no fetchmany)
    described = worker.request("columns", model="fct_customer_orders")["columns"]
    assert [c["data_type"] for c in described] == [
        "bigint",
        "string",
        "string",
        "bigint",
        "decimal(22,2)",
    ]


def test_a_partitioned_mart_is_partitioned_on_disk(
    spark_demo: tuple[Path, int, dict], worker: DbtProcessRunner
) -> None:
    root = spark_demo[0]
    warehouse = DbtWarehouse(worker, root, {"shop": "raw"})
    columns = warehouse.columns([ORDERS])
    scaffolder = ProjectScaffolder(
        root, source_schemas={"shop": "raw"}, dialect="sparksql", **TOOLS
    )
    # Profiled as the scaffold step does: orders' status stays a cleaned category.
    targets = scaffolder.profile_targets(DAILY, columns)
    measured = warehouse.profile([(Relation("", "raw", r.table), n) for r, n in targets.items()])
    profiles = dict(zip(targets, measured, strict=True))
    plan = scaffolder.plan(DAILY, columns, "DEMO-9", "Daily orders", profiles=profiles)
    assert plan.warnings == ()
    scaffolder.apply(plan)

    report = worker.build(["+fct_daily_orders"], mart="fct_daily_orders")
    assert not report.failures, [(n.name, n.message) for n in report.failures]
    table = root / ".martflow" / "spark" / "warehouse" / "analytics.db" / "fct_daily_orders"
    partitions = sorted(p.name for p in table.iterdir() if p.is_dir())
    assert len(partitions) > 1 and all(p.startswith("order_date=20") for p in partitions)

    # the extract's reader streams it (partition by partition, in small batches)
    names, rows = AdapterMartReader(worker, batch_rows=50).read("fct_daily_orders")
    assert [n for n, _ in names] == ["status", "daily_orders_key", "order_count", "order_date"]
    assert sum(1 for _ in rows) == report.mart_rows
