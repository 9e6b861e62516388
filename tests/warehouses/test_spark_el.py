"""``martflow demo --warehouse spark --el fivetran``: the shop lands on Spark as Fivetran lands
it, staging drops the soft-deleted rows, the sources' freshness is checked through Spark."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.project_scaffold.synthetic import TABLES
from martflow.project_scaffold.synthetic_el import DELETED_KEY_OFFSET
from tests.java_runtime import ensure_java

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

ROWS = 100
"""Orders; the shop has a customer per five (the mart's rows, once deletes are dropped)."""


def invoke(args: list[str]) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["--json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def test_the_fivetran_shape_lands_on_spark_and_builds_the_plain_mart(tmp_path: Path) -> None:
    ensure_java()
    root = tmp_path / "spark-fivetran"
    args = ["demo", str(root), "--rows", str(ROWS), "--warehouse", "spark", "--el", "fivetran"]
    code, document = invoke(args)
    assert code == 0, [(s["name"], s["state"], s["detail"]) for s in document["steps"]]
    assert {s["state"] for s in document["steps"]} == {"succeeded"}, document["steps"]

    # The raw tables Spark wrote carry Fivetran's columns and its soft-deleted copies.
    raw = root / ".martflow" / "spark" / "warehouse" / "raw.db"
    with duckdb.connect() as con:
        for table in TABLES:
            files = f"{(raw / table).as_posix()}/*.parquet"
            names = [r[0] for r in con.execute(f"describe select * from '{files}'").fetchall()]
            assert names[-3:] == ["_fivetran_synced", "_fivetran_deleted", "_fivetran_id"]
        customers = f"{(raw / 'customers').as_posix()}/*.parquet"
        deleted, live = con.execute(
            f'select count(*) filter (where "_fivetran_deleted"), '
            f"count(*) filter (where not \"_fivetran_deleted\") from '{customers}'"
        ).fetchone()
        high = con.execute(f"select max(\"Customer ID\") from '{customers}'").fetchone()[0]
    assert deleted > 0 and live == ROWS // 5 and high > DELETED_KEY_OFFSET

    # Staging dropped the deleted rows: one mart row per live customer, every check passed,
    # the sources' freshness checked through Spark.
    build = next(s for s in document["steps"] if s["name"] == "build")
    assert build["detail"] == (
        "5 models built, 12/12 tests passed; "
        f"fct_customer_orders has {live} rows; 3/3 sources fresh"
    )
    code, shown = invoke(["--config", str(root / "config.toml"), "show", "DEMO-1"])
    (comment,) = [c["body"] for c in shown["comments"] if c["body"].startswith("martflow build")]
    assert "| shop.orders was synced within 24 hours (error after 48 hours) | pass |" in comment
    assert "| fct_customer_orders has rows | pass |" in comment
