"""`doctor` in server mode signs in to Tableau for real (loopback server, recorded answers)."""

from __future__ import annotations

from pathlib import Path

from martflow.core.retry import RetryPolicy
from martflow.integrations.tableau.server import TableauServerPublisher
from martflow.integrations.tableau.server_settings import ServerSettings

from .conftest import TSC_ASSETS, Waits
from .tableau_server import SITE, TableauLoopback
from .test_server import FakeSecrets


def publisher(url: str, tmp_path: Path, project: str = "default", secret: str | None = "pat"):  # type: ignore[no-untyped-def]
    config = ServerSettings(
        server_url=url, site="Samples", project=project, token_name="martflow-ci"
    )
    policy = RetryPolicy(attempts=2, sleep=Waits())
    return TableauServerPublisher(None, config, FakeSecrets(secret), tmp_path, policy)  # type: ignore[arg-type]


def test_doctor_signs_in_finds_the_project_and_signs_out(
    server: TableauLoopback, tmp_path: Path
) -> None:
    lines = publisher(server.url, tmp_path).doctor()
    assert lines == [
        ("tableau sign-in", True,
         f"{server.url}: signed in to site 'Samples' with token 'martflow-ci'"),
        ("tableau project", True, "project 'default' exists"),
    ]  # fmt: skip
    server.assert_signed_in_once("pat")
    (lookup,) = server.requests("GET", f"/sites/{SITE}/projects")
    assert lookup.query["filter"] == ["name:eq:default"]
    assert server.requests("POST", "/auth/signout")
    # A check, not a publish: nothing is created or uploaded.
    assert not [r for r in server.received if r.method in ("PUT", "DELETE")]
    assert not server.requests("POST", "/projects") and not server.requests("POST", "/workbooks")


def test_a_missing_project_is_fine_it_is_created_on_first_publish(
    server: TableauLoopback, tmp_path: Path
) -> None:
    lines = publisher(server.url, tmp_path, project="martflow").doctor()
    assert lines[1] == (
        "tableau project", True,
        "project 'martflow' does not exist yet: the first publish creates it",
    )  # fmt: skip
    assert not server.requests("POST", f"/sites/{SITE}/projects")


def test_a_refused_sign_in_fails_and_skips_the_project(
    server: TableauLoopback, tmp_path: Path
) -> None:
    server.fail("POST", "/auth/signin", 401, (TSC_ASSETS / "auth_sign_in_error.xml").read_bytes())
    (sign_in, project) = publisher(server.url, tmp_path).doctor()
    assert sign_in[:2] == ("tableau sign-in", False)
    assert "Error signing in to Tableau Server" in sign_in[2]
    assert project == ("tableau project", None, "tableau sign-in failed")
    assert len(server.requests("POST", "/auth/signin")) == 1  # a 401 is never retried
    assert not server.requests("GET", "/projects")


def test_no_token_secret_is_named_before_any_request(
    server: TableauLoopback, tmp_path: Path
) -> None:
    (sign_in, _project) = publisher(server.url, tmp_path, secret=None).doctor()
    assert sign_in == ("tableau sign-in", False, "set TABLEAU_TOKEN_SECRET")
    assert server.received == []
