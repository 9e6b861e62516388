"""One ticket is one pipeline whatever the key's case; explicit steps run in order.

On the local tracker and on both Jira flavours (loopback Jira over HTTP).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow import context as context_module
from martflow.cli import cli
from martflow.secrets import SecretStore
from tests.cli.repo_support import make_repo
from tests.integrations.jira_server import FakeJira

TOKEN = "keys-jira-token-Zq47"
USER = "pm@example.com"
BRANCH = "DEMO-1-customer-lifetime-value"


def invoke(args: list[str], code: int = 0):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def as_json(args: list[str], code: int = 0) -> dict:
    return json.loads(invoke(["--json", *args], code).stdout)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repo on the local tracker with DEMO-1 filed."""
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    root = make_repo(tmp_path / "repo", '[tracker]\nproject = "DEMO"\n')
    monkeypatch.chdir(root)
    invoke(["tickets", "create", "--summary", "Customer lifetime value"])
    return root


# -- keys on the local tracker --------------------------------------------------------------


def test_every_command_resolves_a_key_in_another_case(repo: Path):
    started = as_json(["start", "demo-1"])
    assert started["key"] == "DEMO-1"
    assert git(repo, "branch", "--show-current") == BRANCH
    branches, head = git(repo, "branch", "--list"), git(repo, "rev-parse", "HEAD")

    again = as_json(["run", "Demo-1", "--until", "start"])  # start succeeded: nothing to do
    assert (again["key"], again["ran"]) == ("DEMO-1", [])
    assert (git(repo, "branch", "--list"), git(repo, "rev-parse", "HEAD")) == (branches, head)

    shown = as_json(["show", "demo-1"])
    assert shown["key"] == "DEMO-1"
    assert shown["steps"][0]["state"] == "succeeded"
    assert len(shown["comments"]) == 1 and shown["status"] == "In Progress"
    status = as_json(["status", "demo-1"])
    assert status["key"] == "DEMO-1" and status["steps"][0]["state"] == "succeeded"
    assert [d["key"] for d in as_json(["status"])] == ["DEMO-1"]


def test_an_unknown_key_in_any_case_is_a_one_line_usage_error(repo: Path):
    for args in (["status", "demo-9"], ["run", "demo-9"], ["publish", "demo-9"]):
        result = invoke(args, code=2)
        assert result.stderr == "martflow: no such ticket demo-9\n"
    assert as_json(["status"]) == []


# -- order on the local tracker ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        ("scaffold", "start has not succeeded; run it first"),
        ("build", "scaffold and lint have not succeeded; run them first"),
        ("commit", "scaffold, lint, build and document have not succeeded; run them first"),
        (
            "publish",
            "scaffold, lint, build, document and commit have not succeeded; run them first",
        ),
    ],
)
def test_a_step_out_of_order_refuses_in_one_line_and_touches_nothing(
    repo: Path, command: str, missing: str
):
    if command != "scaffold":
        invoke(["start", "DEMO-1"])
    before = as_json(["show", "DEMO-1"])

    result = invoke([command, "demo-1"], code=2)

    assert result.stdout == ""
    assert result.stderr == (
        f"martflow: {command} cannot run yet: {missing}, or use --force to run it anyway\n"
    )
    assert as_json(["show", "DEMO-1"]) == before


def test_run_from_a_step_needs_the_steps_before_it(repo: Path):
    invoke(["start", "DEMO-1"])
    result = invoke(["run", "DEMO-1", "--from", "build"], code=2)
    assert "build cannot run yet: scaffold and lint have not succeeded" in result.stderr
    assert [s["state"] for s in as_json(["status", "DEMO-1"])["steps"]][1:] == ["pending"] * 6


def test_force_runs_the_step_and_its_detail_says_so(repo: Path):
    invoke(["start", "DEMO-1"])
    document = as_json(["commit", "demo-1", "--force"], code=1)  # nothing scaffolded to commit
    commit = next(step for step in document["steps"] if step["name"] == "commit")
    assert commit["state"] == "failed"
    assert commit["detail"] == (
        "nothing to commit: run the scaffold step first "
        "[forced: scaffold, lint, build, document had not succeeded]"
    )
    assert git(repo, "rev-list", "--count", "HEAD") == "1"


# -- keys on Jira (Cloud and Data Center) --------------------------------------------------


@pytest.fixture(params=[("Cloud", "basic"), ("Server", "bearer")], ids=["cloud", "datacenter"])
def jira(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    deployment, auth = request.param
    with FakeJira(deployment=deployment, user=USER, token=TOKEN, auth=auth) as server:
        yield server


@pytest.fixture
def jira_repo(tmp_path: Path, jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A git repo whose tracker is the loopback Jira, with the token in the environment."""
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    monkeypatch.setattr(context_module, "SECRETS", SecretStore())  # read anew per test
    auth = "basic" if jira.deployment == "Cloud" else "bearer"
    user = USER if auth == "basic" else ""
    config = (
        f'[tracker]\nkind = "jira"\nurl = "{jira.url}"\nuser = "{user}"\n'
        f'auth = "{auth}"\nproject = "DEMO"\n'
    )
    root = make_repo(tmp_path / "repo", config)
    monkeypatch.chdir(root)
    yield root


def test_jira_answers_with_the_key_martflow_uses(jira_repo: Path, jira: FakeJira):
    """A moved issue answers to its old key: branch, ledger and comments use the new one."""
    key = jira.add_issue("Customer lifetime value")
    jira.aliases["OLD-3"] = key

    assert as_json(["start", "old-3"])["key"] == key
    assert git(jira_repo, "branch", "--show-current") == f"{key}-customer-lifetime-value"
    writes = [r.path for r in jira.received if r.method == "POST"]
    assert writes and all(f"/issue/{key}/" in path for path in writes), writes
    assert jira.status_of(key) == "In Progress"
    assert [p[0]["key"] for p in jira.comment_properties(key)] == ["martflow"]

    assert as_json(["run", "demo-1", "--until", "start"])["ran"] == []
    assert as_json(["show", "Old-3"])["key"] == key
    assert as_json(["status", "demo-1"])["key"] == key
    assert len(jira.comment_bodies(key)) == 1

    # Jira is down: status still shows the ledger's pipeline under the key it knows.
    jira.fail("GET", "/issue/.*", status=503, headers={"Retry-After": "0"}, body={}, times=100)
    offline = as_json(["status", "demo-1"])
    assert offline["key"] == key and offline["steps"][0]["state"] == "succeeded"


def test_jira_refuses_a_step_out_of_order_before_any_write(jira_repo: Path, jira: FakeJira):
    key = jira.add_issue("Customer lifetime value")
    result = invoke(["publish", key.lower()], code=2)
    assert result.stderr.startswith("martflow: publish cannot run yet: start, scaffold")
    assert [r for r in jira.received if r.method != "GET"] == []
    assert jira.status_of(key) == "To Do"
