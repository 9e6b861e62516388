"""The demo landed by an EL tool, on a real Postgres: bookkeeping types copy over, staging
drops soft-deleted rows and the mart equals the plain demo's."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.project_scaffold.synthetic_el import DELETED_KEY_OFFSET
from tests.pg_cluster import PgServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]


def demo(target: Path, env: dict[str, str], *extra: str) -> None:
    args = ["--json", "demo", str(target), "--rows", "200", "--warehouse", "postgres", *extra]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    document = json.loads(result.stdout)
    assert result.exit_code == 0, [(s["name"], s["state"], s["detail"]) for s in document["steps"]]


def mart(db: PgServer) -> list[tuple[object, ...]]:
    with contextlib.closing(db.connect()) as conn, conn.cursor() as cur:
        cur.execute('select * from analytics."fct_customer_orders" order by customer_id')
        return cur.fetchall()


def test_demo_landed_by_airbyte_builds_the_plain_demos_mart_on_postgres(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    plain = pg_server.create_database("el_plain")
    demo(tmp_path / "plain", plain.env())
    landed = pg_server.create_database("el_airbyte")
    demo(tmp_path / "airbyte", landed.env(), "--el", "airbyte")

    assert mart(landed) == mart(plain) != []
    with contextlib.closing(landed.connect()) as conn, conn.cursor() as cur:
        cur.execute(
            "select data_type from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'payments' and column_name = '_airbyte_meta'"
        )
        assert cur.fetchone() == ("json",)
        cur.execute(
            f'select count(*) from raw.payments where "payment_id" > {DELETED_KEY_OFFSET} '
            "and _ab_cdc_deleted_at is not null"
        )
        assert cur.fetchone()[0] > 0


def test_data_checks_on_postgres_a_null_rate_fails_with_its_count_rate_and_query(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    landed = pg_server.create_database("checks_fivetran")
    demo(tmp_path / "fivetran", landed.env(), "--el", "fivetran")
    config = str(tmp_path / "fivetran" / "config.toml")

    def build_comment() -> str:
        result = CliRunner().invoke(cli, ["--json", "--config", config, "show", "DEMO-1"])
        shown = json.loads(result.stdout)
        return [c["body"] for c in shown["comments"] if c["body"].startswith("martflow build")][-1]

    comment = build_comment()
    assert "| fct_customer_orders has rows | pass |" in comment
    assert "| last_name is empty in at most 50% of the rows in fct_customer_orders | pass |" in (
        comment
    )
    assert "| shop.orders was synced within 24 hours (error after 48 hours) | pass |" in comment

    with contextlib.closing(landed.connect()) as conn, conn.cursor() as cur:
        cur.execute('update raw.customers set "last_name " = null where "Customer ID" % 4 <> 0')
        conn.commit()
    result = CliRunner().invoke(
        cli, ["--json", "--config", config, "build", "DEMO-1"], env=landed.env()
    )
    assert result.exit_code != 0  # the null rate failed the build
    with contextlib.closing(landed.connect()) as conn, conn.cursor() as cur:
        cur.execute(
            'select count(*) - count(last_name), count(*) from analytics."fct_customer_orders"'
        )
        empty, total = cur.fetchone()
    assert empty > total // 2
    rate = f"{round(100 * empty / total, 1):g}%"
    comment = build_comment()
    assert (
        "| last_name is empty in at most 50% of the rows in fct_customer_orders | "
        f"**fail: {empty} of {total} rows empty ({rate})** |"
    ) in comment
    assert "The rows failing 'last_name is empty in at most 50%" in comment
    assert "unfilled.last_name is null" in comment  # the query selecting them
