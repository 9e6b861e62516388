"""Governed staging on a real Postgres: PII hashed with the salt each session gets through
PGOPTIONS (read by name with ``current_setting``), no raw value in any built relation, the
salt in no file, commit or output."""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from tests.cli.test_pii_e2e import SALT, file_ticket, martflow
from tests.pg_cluster import PgServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]


def test_pii_is_hashed_with_the_session_salt_on_postgres(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    db = pg_server.create_database("pii")
    repo = tmp_path / "demo"
    args = ["--json", "demo", str(repo), "--rows", "200", "--warehouse", "postgres"]
    demo = CliRunner().invoke(cli, args, env=db.env())
    assert demo.exit_code == 0, demo.output
    with contextlib.closing(db.connect()) as conn, conn.cursor() as cur:
        # DEMO-1 named no PII: the models it built from customers go.
        cur.execute(
            "select c.relname, c.relkind from pg_class as c join pg_namespace as n "
            "on n.oid = c.relnamespace where n.nspname = 'analytics' "
            "and c.relname like '%customer%' and c.relkind in ('r', 'v', 'm')"
        )
        kinds = {"r": "table", "v": "view", "m": "materialized view"}
        for name, kind in cur.fetchall():
            cur.execute(f'drop {kinds[kind]} if exists analytics."{name}" cascade')
    env = db.env()
    file_ticket(repo, env)
    run = martflow(repo, "--json", "run", "DEMO-4", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    staged = (repo / "models/staging/shop/stg_shop__customers.sql").read_text()
    assert "current_setting('martflow.pii_salt')" in staged

    with contextlib.closing(db.connect()) as conn, conn.cursor() as cur:
        cur.execute('select "EMAIL", "last_name " from raw.customers')
        raw = {v for row in cur.fetchall() for v in row if v}
        # Tables, views and materialized views (the demo's marts) of every schema but raw.
        cur.execute(
            "select n.nspname, c.relname from pg_class as c "
            "join pg_namespace as n on n.oid = c.relnamespace where c.relkind in ('r', 'v', 'm') "
            "and n.nspname not in ('raw', 'pg_catalog', 'information_schema', 'pg_toast')"
        )
        built = []
        for schema, table in cur.fetchall():
            cur.execute(f'select * from "{schema}"."{table}"')
            built += [v for row in cur.fetchall() for v in row if isinstance(v, str)]
        cur.execute(
            'select distinct r."EMAIL", b.email from raw.customers as r '
            'join analytics.fct_customer_contacts as b on r."Customer ID" = b.customer_id'
        )
        pairs = cur.fetchall()
    assert len(raw) > 20 and built
    assert not [v for v in built if v in raw]
    assert len(pairs) > 10
    for email, hashed in pairs:
        assert hashed == (hashlib.md5((SALT + email).encode()).hexdigest() if email else None)

    shown = martflow(repo, "--json", "show", "DEMO-4", env=env)
    comments = [c["body"] for c in json.loads(shown.stdout)["comments"]]
    assert comments and not [r for r in raw if any(r in body for body in comments)]
    for path in repo.rglob("*"):
        if path.is_file():
            assert SALT.encode() not in path.read_bytes(), path
    history = subprocess.run(["git", "log", "--all", "-p"], cwd=repo, capture_output=True).stdout
    assert SALT.encode() not in history
    assert not [o for o in (run.stdout, run.stderr, shown.stdout) if SALT in o]
