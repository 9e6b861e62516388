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
from tests.integrations.jira_server import LOGIN_PAGE, FakeJira

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
    assert [p[0]["key"] for p in jira.comment_properties(key)] == ["martflow"]


def test_tickets_lists_every_page(repo: Path, jira: FakeJira) -> None:
    keys = [jira.add_issue(f"Ask {n}") for n in range(250)]
    rows = json.loads(invoke(["--json", "tickets"]).stdout)
    assert [r["key"] for r in rows] == keys[::-1]
    assert len(jira.requests_to("GET", "/search/jql", version="3")) == 3


def test_a_transition_that_needs_a_field_fails_the_update_with_exit_1(
    tmp_path: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    monkeypatch.chdir(_repo(tmp_path / "r", jira))
    key = jira.add_issue("Orders mart")
    resolution = jira.recorded.resolution_field(("Done", "Won't Do"))
    jira.transitions["To Do"] = [("21", "Start", "In Progress", {"resolution": resolution})]
    result = invoke(["start", key], code=1)
    errors = [line for line in result.stderr.splitlines() if "tracker update failed" in line]
    assert len(errors) == 1
    assert "needs Resolution (resolution: one of Done, Won't Do)" in errors[0]
    assert "[tracker.transition_fields]" in errors[0]
    assert jira.status_of(key) == "To Do"
    assert len(jira.comment_bodies(key)) == 1  # the PM still hears about the branch
    status = json.loads(invoke(["--json", "status", key]).stdout)
    assert [row["state"] for row in status["outbox"]] == ["failed", "confirmed"]


def test_transition_fields_from_config_let_the_move_succeed(
    tmp_path: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    fields = '[tracker.transition_fields]\n"In Progress" = { resolution = "Done" }\n'
    monkeypatch.chdir(_repo(tmp_path / "r", jira, fields))
    key = jira.add_issue("Orders mart")
    resolution = jira.recorded.resolution_field(("Done", "Won't Do"))
    jira.transitions["To Do"] = [("21", "Start", "In Progress", {"resolution": resolution})]
    invoke(["start", key])
    assert jira.status_of(key) == "In Progress"
    assert jira.fields_set(key) == [{"resolution": {"id": "10000"}}]


def test_jira_down_when_nothing_was_queued_exits_1_not_3(repo: Path, jira: FakeJira) -> None:
    jira.fail("GET", "/search/jql", status=503, body={}, headers={"Retry-After": "0"}, times=100)
    result = invoke(["tickets"], code=1)
    assert "HTTP 503" in result.stderr


def test_a_login_page_is_one_line_naming_url_and_title(repo: Path, jira: FakeJira) -> None:
    jira.fail("GET", "/search/jql", status=200, body=LOGIN_PAGE, times=100)
    result = invoke(["tickets"], code=2)
    (line,) = result.stderr.strip().splitlines()
    assert "/rest/api/3/search/jql answered with an HTML page titled 'Log in - Acme Jira'" in line
    assert "os_username" not in result.stderr
