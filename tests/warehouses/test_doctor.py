"""`doctor` checks the warehouse for real: `select 1` through the profile's adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.project_scaffold.init import init_repo
from tests.pg_cluster import PgServer
from tests.scaffold_tools import RENDERER

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]


def doctor(repo: Path, env: dict[str, str] | None = None) -> dict[str, dict]:
    result = CliRunner().invoke(
        cli, ["--config", str(repo / "config.toml"), "--json", "doctor"], env=env
    )
    return {row["check"]: row for row in json.loads(result.stdout)}


def with_profile(repo: Path, output: str, pass_env: str = "[]") -> Path:
    (repo / "profiles.yml").write_text(
        f"{repo.name.replace('-', '_')}:\n  target: dev\n  outputs:\n    dev:\n{output}"
    )
    config = repo / "config.toml"
    config.write_text(config.read_text().replace("pass_env = []", f"pass_env = {pass_env}"))
    return repo


def test_the_warehouse_answers_select_1_on_duckdb(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "wh", renderer=RENDERER)
    check = doctor(repo)["warehouse"]
    assert check["ok"], check["detail"]
    assert check["detail"].startswith("duckdb: select 1 answered; dbt parses wh: ")


def test_a_missing_adapter_package_is_named(tmp_path: Path) -> None:
    repo = with_profile(
        init_repo(tmp_path / "bq", renderer=RENDERER),
        "      type: bigquery\n      method: oauth\n      project: p\n",
    )
    check = doctor(repo)["warehouse"]
    assert not check["ok"]
    assert "pip install dbt-bigquery" in check["detail"]


def test_a_wrong_password_is_the_servers_own_words(pg_server: PgServer, tmp_path: Path) -> None:
    output = (
        f"      type: postgres\n      host: 127.0.0.1\n      port: {pg_server.port}\n"
        f"      user: {pg_server.user}\n      password: not-the-password\n"
        "      dbname: postgres\n      schema: analytics\n"
    )
    check = doctor(with_profile(init_repo(tmp_path / "pgw", renderer=RENDERER), output))[
        "warehouse"
    ]
    assert not check["ok"]
    assert "password authentication failed" in check["detail"]


def test_postgres_needs_its_password_variable_then_connects(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = (
        f"      type: postgres\n      host: 127.0.0.1\n      port: {pg_server.port}\n"
        f"      user: {pg_server.user}\n      password: \"{{{{ env_var('PGPASSWORD') }}}}\"\n"
        "      dbname: postgres\n      schema: analytics\n"
    )
    repo = with_profile(init_repo(tmp_path / "pg", renderer=RENDERER), output, '["PGPASSWORD"]')
    monkeypatch.delenv("PGPASSWORD", raising=False)
    missing = doctor(repo)["warehouse"]
    assert not missing["ok"]
    assert missing["detail"].startswith("PGPASSWORD not set: [dbt] pass_env")

    check = doctor(repo, {"PGPASSWORD": pg_server.password})["warehouse"]
    assert check["ok"], check["detail"]
    assert check["detail"].startswith("postgres: select 1 answered; dbt parses pg: ")
