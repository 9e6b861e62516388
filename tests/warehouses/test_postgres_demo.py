"""DEMO-1 end to end on a real Postgres: dbt-postgres, a materialized-view mart, the extract
read through the adapter, and the password only ever in the environment."""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.project_scaffold.synthetic_postgres import PG_VARIABLES
from tests.pg_cluster import PgServer
from tests.tableau.conftest import read_hyper

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]

MART_COLUMNS = ["customer_id", "first_name", "last_name", "order_count", "lifetime_value"]


def invoke(args: list[str], env: dict[str, str]) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["--json", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def relation_columns(db: PgServer, relation: str) -> list[str]:
    with contextlib.closing(db.connect()) as conn, conn.cursor() as cur:
        # pg_attribute: information_schema leaves materialized views out
        cur.execute(
            "select attname from pg_attribute where attrelid = %s::regclass "
            "and attnum > 0 and not attisdropped order by attnum",
            (f"analytics.{relation}",),
        )
        return [r[0] for r in cur.fetchall()]


def test_demo_1_runs_end_to_end_on_postgres(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = pg_server.create_database("demo_e2e")
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "pg-demo"

    code, first = invoke(
        ["demo", str(target), "--rows", "300", "--warehouse", "postgres"], db.env()
    )

    assert code == 0, [(s["name"], s["state"], s["detail"]) for s in first["steps"]]
    assert first["status"] == "Done"
    states = {s["name"]: s["state"] for s in first["steps"]}
    assert set(states.values()) == {"succeeded"}, first["steps"]
    with contextlib.closing(db.connect()) as conn, conn.cursor() as cur:
        cur.execute("select schemaname, matviewname from pg_matviews")
        assert cur.fetchall() == [("analytics", "fct_customer_orders")]
        cur.execute('select count(*) from analytics."fct_customer_orders"')
        (mart_rows,) = cur.fetchone()
        cur.execute("select count(*) from information_schema.tables where table_schema = 'raw'")
        assert cur.fetchone() == (5,)
    # "Customer ID", "FirstName", "last_name " reach the mart under their snake names
    # (staging is ephemeral on the Postgres demo: the mart is built straight from raw)
    assert relation_columns(db, "fct_customer_orders") == MART_COLUMNS
    build = next(s for s in first["steps"] if s["name"] == "build")
    assert "(materialized view created)" in build["detail"]

    with zipfile.ZipFile(target / "dashboards" / "fct_customer_orders.twbx") as archive:
        archive.extract("Data/Extracts/fct_customer_orders.hyper", tmp_path / "unpacked")
    columns, rows = read_hyper(
        tmp_path / "unpacked" / "Data/Extracts/fct_customer_orders.hyper", tmp_path / "logs"
    )
    assert len(rows) == mart_rows > 0
    assert [name for name, _ in columns] == relation_columns(db, "fct_customer_orders")
    assert dict(columns)["lifetime_value"] == "DOUBLE"  # Postgres sum(numeric): unbounded

    profiles = (target / "profiles.yml").read_text()
    assert "password: '{{ env_var(\"PGPASSWORD\") }}'" in profiles
    leaked = [
        p
        for p in target.rglob("*")
        if p.is_file() and ".git" not in p.parts and db.password.encode() in p.read_bytes()
    ]
    assert leaked == []

    # A second build refreshes the materialized view, and the ticket hears it.
    config = ["--config", str(target / "config.toml")]
    code, again = invoke([*config, "build", "DEMO-1"], db.env())
    assert code == 0, again
    code, shown = invoke([*config, "show", "DEMO-1"], db.env())
    builds = [c["body"] for c in shown["comments"] if c["body"].startswith("martflow build")]
    assert len(builds) == 2, builds
    assert sum("(materialized view refreshed)" in body for body in builds) == 1, builds


def test_demo_on_postgres_without_the_variables_names_them(tmp_path: Path) -> None:
    env = dict.fromkeys(PG_VARIABLES, "")
    env["PGHOST"] = "127.0.0.1"
    result = CliRunner().invoke(
        cli, ["demo", str(tmp_path / "d"), "--warehouse", "postgres"], env=env
    )
    assert result.exit_code == 2
    assert "set PGUSER, PGPASSWORD, PGDATABASE" in result.stderr
    assert not (tmp_path / "d").exists()
