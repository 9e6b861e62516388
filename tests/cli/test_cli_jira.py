"""The CLI on `[tracker] kind = "jira"`: doctor, tickets, show and start over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow import context as context_module
from martflow.cli import cli
from martflow.secrets import SecretStore
from tests.cli.repo_support import make_repo
from tests.integrations.jira_server import FakeJira

TOKEN = "cli-jira-token-Kx81"
USER = "pm@example.com"


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each CLI run in this process reads the token anew, as a new process would."""
    monkeypatch.setattr(context_module, "SECRETS", SecretStore())


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira(deployment="Cloud", user=USER, token=TOKEN, auth="basic") as server:
        yield server


def _repo(root: Path, jira: FakeJira, statuses: str = "") -> Path:
    config = f'[tracker]\nkind = "jira"\nurl = "{jira.url}"\nuser = "{USER}"\nproject = "DEMO"\n'
    return make_repo(root, config + statuses)


@pytest.fixture
def repo(tmp_path: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    root = _repo(tmp_path / "repo", jira)
    monkeypatch.chdir(root)
    return root


def invoke(args: list[str], code: int = 0):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == code, (result.output, result.stderr)
    assert TOKEN not in result.output + result.stderr
    return result


def _doctor(code: int) -> dict[str, dict]:
    rows = json.loads(invoke(["--json", "doctor"], code).stdout)
    return {row["check"]: row for row in rows}


def test_doctor_checks_jira_reachability_auth_project_and_statuses(repo: Path, jira: FakeJira):
    result = invoke(["doctor"], code=1)  # no dbt project here: those lines fail, Jira's pass
    assert "ok    jira reachable" in result.stdout
    checks = _doctor(1)
    jira_lines = [name for name in checks if name.startswith("jira")]
    assert len(jira_lines) == 4
    assert all(checks[name]["ok"] for name in jira_lines), checks
    assert jira.requests_to("GET", "/myself")
    auth = jira.requests_to("GET", "/myself")[0].headers["authorization"]
    assert auth.startswith("Basic ")


def test_doctor_names_the_token_variable_on_bad_credentials(
    repo: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "wrong-token")
    checks = _doctor(1)
    failed = [row for name, row in checks.items() if name.startswith("jira") and not row["ok"]]
    assert failed
    assert "JIRA_API_TOKEN" in failed[0]["detail"]


def test_doctor_names_a_status_missing_from_the_workflow(
    tmp_path: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    monkeypatch.chdir(_repo(tmp_path / "r", jira, '[tracker.statuses]\ncommit = "Peer Review"\n'))
    checks = _doctor(1)
    (statuses,) = [row for name, row in checks.items() if "status" in name]
    assert not statuses["ok"]
    assert "Peer Review" in statuses["detail"]


def test_tickets_show_and_jql_override(repo: Path, jira: FakeJira) -> None:
    key = jira.add_issue("Orders mart", description="Build *orders* please.")
    rows = json.loads(invoke(["--json", "tickets"]).stdout)
    assert [r["key"] for r in rows] == [key]
    invoke(["--json", "tickets", "--jql", "project = DEMO AND status = Done"])
    searches = [r for r in jira.received if r.path.endswith("/search") or "/search" in r.path]
    assert any("status = Done" in json.dumps(r.query) + json.dumps(r.body) for r in searches)
    shown = json.loads(invoke(["--json", "show", key]).stdout)
    assert shown["summary"] == "Orders mart"
    assert "orders" in shown["description"]


def test_unknown_key_is_no_such_ticket(repo: Path) -> None:
    result = invoke(["show", "DEMO-999"], code=2)
    assert "no such ticket DEMO-999" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_jira_queues_and_sync_delivers(
    repo: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = jira.add_issue("Orders mart")
    jira.fail(
        "POST",
        f"/issue/{key}/transitions",
        status=503,
        headers={"Retry-After": "0"},
        body={},
        times=100,
    )
    result = invoke(["start", key], code=3)
    assert "queued" in (result.stdout + result.stderr).lower()
    assert jira.status_of(key) == "To Do"
    jira.faults.clear()  # Jira is back
    invoke(["sync"])
    assert jira.status_of(key) == "In Progress"
    comments = [b for b in jira.comment_bodies(key) if "martflow-op" in b]
    assert len(comments) == 1
