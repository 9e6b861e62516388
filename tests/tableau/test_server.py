"""Server mode: real TSC over HTTP against a loopback server replaying recorded responses."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from martflow.core.retry import RetryPolicy
from martflow.errors import AuthenticationError, ConfigError, PublishError, RemoteUnavailableError
from martflow.integrations.mart_reader import AdapterMartReader
from martflow.integrations.tableau.server import TableauServerPublisher
from martflow.integrations.tableau.server_settings import ServerSettings

from .conftest import TSC_ASSETS, Waits, make_spec
from .tableau_server import (
    DATASOURCE_ID,
    DATASOURCE_JOB,
    SITE,
    WORKBOOK_ID,
    WORKBOOK_JOB,
    TableauLoopback,
)

TOKEN = "eIX6mvFsqyansa4KqEI1UwOpS8ggRs2l"  # the session token in auth_sign_in.xml
ERROR_500 = (
    b"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\">"
    b'<error code="500000"><summary>Internal Server Error</summary>'
    b"<detail>The repository is being backed up</detail></error></tsResponse>"
)


class FakeSecrets:
    """The secret store's interface; the value as if read from TABLEAU_TOKEN_SECRET."""

    def __init__(self, value: str | None = "pat-s3cret") -> None:
        self.value = value
        self.asked: list[str] = []

    def get(self, env_var: str) -> str | None:
        self.asked.append(env_var)
        return self.value

    def how_to_set(self, env_var: str) -> str:
        return f"set {env_var}"


def make_publisher(
    reader: AdapterMartReader,
    tmp_path: Path,
    url: str,
    waits: Waits,
    project: str = "martflow",
    secrets: FakeSecrets | None = None,
    timeout: float = 10,
) -> TableauServerPublisher:
    config = ServerSettings(
        server_url=url,
        site="Samples",
        project=project,
        token_name="martflow-ci",
        timeout=timeout,
    )
    policy = RetryPolicy(attempts=3, sleep=waits)
    return TableauServerPublisher(
        reader, config, secrets or FakeSecrets(), tmp_path / ".martflow", policy
    )


def test_publish_signs_in_creates_the_project_and_overwrites_both_items(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    secrets = FakeSecrets()
    publisher = make_publisher(reader, tmp_path, server.url, waits, secrets=secrets)
    result = publisher.publish(make_spec(), "DEMO-1")

    assert secrets.asked == ["TABLEAU_TOKEN_SECRET"]
    assert result.location == f"{server.url}/#/site/Samples/workbooks/{WORKBOOK_ID}"
    assert result.artifacts["workbook_id"] == WORKBOOK_ID
    assert Path(result.artifacts["twbx"]).is_file()

    server.assert_signed_in_once("pat-s3cret")

    (lookup,) = server.requests("GET", f"/sites/{SITE}/projects")
    assert lookup.query["filter"] == ["name:eq:martflow"]
    assert lookup.headers["x-tableau-auth"] == TOKEN
    (create,) = server.requests("POST", f"/sites/{SITE}/projects")
    assert b'name="martflow"' in create.body

    (datasource,) = server.requests("POST", f"/sites/{SITE}/datasources")
    assert datasource.query["overwrite"] == ["true"]
    assert datasource.query["asJob"] == ["true"]
    assert b'filename="fct_customer_orders.hyper"' in datasource.body
    assert Path(result.artifacts["hyper"]).read_bytes() in datasource.body
    assert b'<project id="ccbea03f-77c4-4209-8774-f67bc59c3cef"' in datasource.body

    (workbook,) = server.requests("POST", f"/sites/{SITE}/workbooks")
    assert workbook.query["overwrite"] == ["true"]
    assert workbook.query["asJob"] == ["true"]
    assert workbook.headers["content-type"].startswith("multipart/mixed")
    assert b'filename="fct_customer_orders.twbx"' in workbook.body
    twbx = Path(result.artifacts["twbx"]).read_bytes()
    assert twbx in workbook.body
    with zipfile.ZipFile(BytesIO(twbx)) as archive:
        assert "fct_customer_orders.twb" in archive.namelist()

    assert len(server.requests("GET", f"/jobs/{DATASOURCE_JOB}")) == 1
    assert len(server.requests("GET", f"/jobs/{WORKBOOK_JOB}")) == 1
    assert result.artifacts["datasource_id"] == DATASOURCE_ID
    assert (result.artifacts["datasource_job"], result.artifacts["workbook_job"]) == (
        DATASOURCE_JOB,
        WORKBOOK_JOB,
    )
    assert len(server.requests("POST", "/auth/signout")) == 1
    assert waits.seconds == []


def test_an_existing_project_is_found_not_created(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")
    publisher.publish(make_spec(), "DEMO-1")
    assert server.requests("POST", f"/sites/{SITE}/projects") == []
    (workbook,) = server.requests("POST", f"/sites/{SITE}/workbooks")
    assert b'<project id="ee8c6e70-43b6-11e6-af4f-f7b0d8e20760"' in workbook.body


def test_republishing_converges(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")
    first = publisher.publish(make_spec(), "DEMO-1")
    assert publisher.publish(make_spec(), "DEMO-1") == first
    publishes = server.requests("POST", f"/sites/{SITE}/workbooks")
    assert [r.query["overwrite"] for r in publishes] == [["true"], ["true"]]


def test_a_500_on_publish_fails_with_the_servers_message_after_retries(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("POST", "/workbooks", 500, ERROR_500)
    publisher = make_publisher(reader, tmp_path, server.url, waits)
    with pytest.raises(RemoteUnavailableError) as caught:
        publisher.publish(make_spec(), "DEMO-1")
    assert str(caught.value) == (
        "Tableau answered 500 while trying to publish workbook 'fct_customer_orders': "
        "Internal Server Error - The repository is being backed up"
    )
    assert caught.value.status == 500
    assert len(server.requests("POST", "/workbooks")) == 3  # RetryPolicy(attempts=3)
    assert len(waits.seconds) == 2
    assert len(server.requests("POST", "/auth/signout")) == 1


def test_retry_after_is_honoured_then_the_publish_lands(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("POST", "/datasources", 503, b"busy", headers={"Retry-After": "7"}, times=1)
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")
    result = publisher.publish(make_spec(), "DEMO-1")
    assert result.artifacts["datasource_id"] == DATASOURCE_ID
    assert waits.seconds == [7.0]
    assert len(server.requests("POST", "/datasources")) == 2


def test_a_rejected_publish_is_not_retried(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    body = (TSC_ASSETS / "auth_sign_in_error.xml").read_bytes().replace(b"401001", b"400011")
    server.fail("POST", "/datasources", 400, body)
    publisher = make_publisher(reader, tmp_path, server.url, waits)
    with pytest.raises(PublishError, match=r"refused to publish data source .*Signin Error"):
        publisher.publish(make_spec(), "DEMO-1")
    assert len(server.requests("POST", "/datasources")) == 1
    assert server.requests("POST", "/workbooks") == []


def test_a_refused_sign_in_names_the_secret_and_is_not_retried(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("POST", "/auth/signin", 401, (TSC_ASSETS / "auth_sign_in_error.xml").read_bytes())
    publisher = make_publisher(reader, tmp_path, server.url, waits)
    with pytest.raises(AuthenticationError, match="TABLEAU_TOKEN_SECRET") as caught:
        publisher.publish(make_spec(), "DEMO-1")
    assert "Error signing in to Tableau Server" in str(caught.value)
    assert len(server.requests("POST", "/auth/signin")) == 1


def test_an_unreachable_server_is_a_transient_error_that_certainly_did_not_apply(
    reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    loopback = TableauLoopback(TSC_ASSETS)
    with loopback.running():
        url = loopback.url
    publisher = make_publisher(reader, tmp_path, url, waits)  # nothing listens there now
    with pytest.raises(RemoteUnavailableError, match="unreachable while trying to sign in") as e:
        publisher.publish(make_spec(), "DEMO-1")
    assert e.value.applied is False
    assert len(waits.seconds) == 2


def test_a_stuck_server_times_out_instead_of_hanging(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("GET", "/projects", 200, hang=True)
    publisher = make_publisher(reader, tmp_path, server.url, waits, timeout=0.5)
    with pytest.raises(RemoteUnavailableError, match="ReadTimeout") as caught:
        publisher.publish(make_spec(), "DEMO-1")
    assert caught.value.applied is None
    assert server.requests("POST", "/workbooks") == []


def test_dry_run_says_where_and_sends_nothing(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    secrets = FakeSecrets(None)
    publisher = make_publisher(reader, tmp_path, server.url, waits, secrets=secrets)
    result = publisher.publish(make_spec(), "DEMO-1", dry_run=True)
    assert result.location == (
        f"{server.url}, project 'martflow', workbook and data source 'fct_customer_orders'"
    )
    assert "would" not in result.location  # the CLI says "would publish to ..." once
    assert result.artifacts["workbook"] == "fct_customer_orders"
    assert Path(result.artifacts["sketch"]).read_bytes()[:4] == b"\x89PNG"
    assert "|total order_count" in result.sketch
    assert server.received == []
    assert secrets.asked == []


def test_missing_secret_or_config_fail_before_any_request(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    publisher = make_publisher(reader, tmp_path, server.url, waits, secrets=FakeSecrets(None))
    with pytest.raises(AuthenticationError, match="set TABLEAU_TOKEN_SECRET"):
        publisher.publish(make_spec(), "DEMO-1")
    with pytest.raises(ConfigError, match=r"\[tableau\] server_url is empty"):
        make_publisher(reader, tmp_path, "", waits).publish(make_spec(), "DEMO-1")
    assert server.received == []
