"""`[tableau] connection = "live"` on Postgres: a valid .twb querying the mart, no password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from martflow.errors import AuthenticationError
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.mart_reader import AdapterMartReader
from martflow.integrations.tableau.live import LiveConnection
from martflow.integrations.tableau.local import LocalTableauPublisher
from martflow.integrations.tableau.server import TableauServerPublisher
from martflow.integrations.tableau.server_settings import ServerSettings
from martflow.integrations.tableau.workbook import render_workbook
from tests.pg_cluster import PgServer
from tests.tableau.conftest import TSC_ASSETS, assert_valid_twb, make_spec, require_ext
from tests.tableau.tableau_server import SITE, TableauLoopback

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]

MART = """{{ config(materialized='materialized_view') }}
select 1 as customer_id, 'Ada' as first_name, 3 as order_count, 12.5 as lifetime_value
"""


@pytest.fixture
def pg_reader(pg_server: PgServer, tmp_path: Path) -> Iterator[tuple[PgServer, AdapterMartReader]]:
    db = pg_server.create_database("live_twb")
    root = tmp_path / "proj"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\n")
    (root / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: 127.0.0.1\n      port: {db.port}\n      user: {db.user}\n"
        "      password: \"{{ env_var('PGPASSWORD') }}\"\n"
        f"      dbname: {db.database}\n      schema: marts\n      threads: 1\n"
    )
    (root / "models" / "fct_customer_orders.sql").write_text(MART)
    with DbtProcessRunner(root, root, extra_env={"PGPASSWORD": db.password}) as runner:
        assert not runner.build(["fct_customer_orders"]).failures
        yield db, AdapterMartReader(runner)


def test_live_workbook_connects_to_the_postgres_mart(
    pg_reader: tuple[PgServer, AdapterMartReader], tmp_path: Path
) -> None:
    db, reader = pg_reader
    publisher = LocalTableauPublisher(reader, tmp_path / "out", tmp_path / ".martflow", "live")

    result = publisher.publish(make_spec(), "DEMO-1")

    twb = tmp_path / "out" / "fct_customer_orders.twb"
    assert result.location == str(twb)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["fct_customer_orders.twb"]
    data = twb.read_bytes()
    root = assert_valid_twb(data)
    connection = root.find(".//named-connection/connection")
    assert (
        connection.get("class"),
        connection.get("server"),
        connection.get("port"),
        connection.get("dbname"),
        connection.get("schema"),
        connection.get("username"),
    ) == ("postgres", "127.0.0.1", str(db.port), "live_twb", "marts", db.user)
    relation = root.find(".//datasource/connection/relation")
    assert relation.get("table") == "[marts].[fct_customer_orders]"
    assert db.password.encode() not in data
    assert all("password" not in name for e in root.iter() for name in e.attrib)
    # the same connection validates against the 2025.3 schema too
    live = LiveConnection.from_target(reader.connection("fct_customer_orders"))
    older = render_workbook(make_spec(), reader.columns("fct_customer_orders"), "", "25.3", live)
    assert assert_valid_twb(older.xml).get("version") == "25.3"


class EnvSecrets:
    """The secret store's interface over a fixed environment."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: list[str] = []

    def get(self, env_var: str) -> str | None:
        self.asked.append(env_var)
        return self.values.get(env_var)


def server_publisher(
    reader: AdapterMartReader, tmp_path: Path, url: str, embed: bool, secrets: EnvSecrets
) -> TableauServerPublisher:
    config = ServerSettings(
        server_url=url,
        site="Samples",
        project="default",
        token_name="martflow-ci",
        timeout=10,
        connection="live",
        embed_credentials=embed,
    )
    return TableauServerPublisher(reader, config, secrets, tmp_path / ".martflow")


@pytest.mark.parametrize("embed", [False, True])
def test_server_mode_publishes_only_the_live_workbook_embedding_only_when_asked(
    pg_reader: tuple[PgServer, AdapterMartReader], tmp_path: Path, embed: bool
) -> None:
    db, reader = pg_reader
    secrets = EnvSecrets({"TABLEAU_TOKEN_SECRET": "pat-s3cret", "PGPASSWORD": db.password})
    with TableauLoopback(require_ext(TSC_ASSETS)).running() as server:
        publisher = server_publisher(reader, tmp_path, server.url, embed, secrets)
        result = publisher.publish(make_spec(), "DEMO-1")
        assert server.requests("POST", f"/sites/{SITE}/datasources") == []
        (workbook,) = server.requests("POST", f"/sites/{SITE}/workbooks")
    assert b'filename="fct_customer_orders.twb"' in workbook.body
    assert Path(result.artifacts["twb"]).read_bytes() in workbook.body
    if embed:
        assert secrets.asked == ["TABLEAU_TOKEN_SECRET", "PGPASSWORD"]
        assert f'serverAddress="127.0.0.1" serverPort="{db.port}"'.encode() in workbook.body
        assert f'name="{db.user}" password="{db.password}" embed="true"'.encode() in workbook.body
    else:
        assert secrets.asked == ["TABLEAU_TOKEN_SECRET"]
        assert db.password.encode() not in workbook.body
        assert b"connectionCredentials" not in workbook.body


def test_embedding_without_the_password_variable_names_it(
    pg_reader: tuple[PgServer, AdapterMartReader], tmp_path: Path
) -> None:
    _, reader = pg_reader
    secrets = EnvSecrets({"TABLEAU_TOKEN_SECRET": "pat-s3cret"})
    publisher = server_publisher(reader, tmp_path, "http://127.0.0.1:9", True, secrets)
    with pytest.raises(AuthenticationError, match="postgres password in PGPASSWORD"):
        publisher.publish(make_spec(), "DEMO-1")
