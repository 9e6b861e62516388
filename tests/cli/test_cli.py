"""The CLI through click's CliRunner: --json shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from tests.cli.repo_support import make_repo
from tests.lock_holder import ticket_lock_held


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A git repo with a config.toml for the local tracker."""
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    root = make_repo(tmp_path / "repo", '[tracker]\nproject = "DEMO"\n')
    monkeypatch.chdir(root)
    return root


def invoke(args: list[str], code: int = 0):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def test_tickets_create_list_show_json(repo):
    key = invoke(["tickets", "create", "--summary", "Customer lifetime value"]).stdout.strip()
    assert key == "DEMO-1"
    listed = json.loads(invoke(["--json", "tickets"]).stdout)
    assert listed == [{"key": "DEMO-1", "summary": "Customer lifetime value", "status": "To Do"}]
    shown = json.loads(invoke(["show", "DEMO-1", "--json"]).stdout)
    assert set(shown) >= {"key", "summary", "status", "description", "spec", "comments", "steps"}
    assert shown["spec"] is None and "no martflow spec" in shown["spec_error"]
    assert [s["name"] for s in shown["steps"]] == [
        "start",
        "scaffold",
        "lint",
        "build",
        "document",
        "commit",
        "publish",
    ]
    assert all(s["state"] == "pending" for s in shown["steps"])


def test_description_file(repo, tmp_path):
    spec = tmp_path / "desc.md"
    spec.write_text("needs a mart\n```yaml\nmartflow:\n  sources: [shop.orders]\n```\n")
    invoke(["tickets", "create", "--summary", "x", "--description-file", str(spec)])
    shown = json.loads(invoke(["show", "DEMO-1", "--json"]).stdout)
    assert shown["description"].startswith("needs a mart")


def test_unknown_ticket_is_a_one_line_usage_error(repo):
    result = invoke(["show", "DEMO-99"], code=2)
    assert result.stderr.strip() == "martflow: no such ticket DEMO-99"


def test_bad_config_exits_2_naming_the_key(repo):
    (repo / "config.toml").write_text('[tracker]\nprojet = "DEMO"\n')
    result = invoke(["tickets"], code=2)
    assert "config.toml: [tracker] projet: unknown key (did you mean 'project'?)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_start_creates_branch_moves_status_and_comments(repo):
    invoke(["tickets", "create", "--summary", "Customer lifetime value"])
    status = json.loads(invoke(["start", "DEMO-1", "--json"]).stdout)
    assert status["steps"][0]["state"] == "succeeded"
    branch = subprocess.run(
        ["git", "branch", "--show-current"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    assert branch == "DEMO-1-customer-lifetime-value"
    shown = json.loads(invoke(["show", "DEMO-1", "--json"]).stdout)
    assert shown["status"] == "In Progress"
    assert len(shown["comments"]) == 1 and branch in shown["comments"][0]["body"]


def test_status_json_shape(repo):
    invoke(["tickets", "create", "--summary", "x"])
    invoke(["start", "DEMO-1"])
    document = json.loads(invoke(["status", "DEMO-1", "--json"]).stdout)
    assert set(document) == {"key", "steps", "outbox"}
    assert set(document["steps"][0]) == {"name", "state", "started", "finished", "detail"}
    assert {"kind", "target", "attempts", "last_error"} <= set(document["outbox"][0])
    assert [row["kind"] for row in document["outbox"]] == ["transition", "comment"]


def test_run_stops_at_failing_step_with_exit_1(repo):
    invoke(["tickets", "create", "--summary", "no spec here"])
    result = invoke(["--json", "run", "DEMO-1"], code=1)
    document = json.loads(result.stdout)
    assert document["failed"] == "scaffold"
    assert "no martflow spec" in document["steps"][1]["detail"]


def test_dirty_tree_refuses_start(repo):
    invoke(["tickets", "create", "--summary", "x"])
    (repo / "notes.txt").write_text("wip")  # untracked: nothing would commit it, accepted
    (repo / ".gitignore").write_text(".martflow/\n*.tmp\n")  # tracked and modified: refused
    result = invoke(["run", "DEMO-1", "--until", "start"], code=1)
    assert ".gitignore" in result.stdout
    assert "notes.txt" not in result.stdout


def test_sync_with_nothing_queued(repo):
    assert json.loads(invoke(["sync", "--json"]).stdout) == {
        "delivered": 0,
        "failed": 0,
        "queued": 0,
    }


def test_unknown_step_is_usage_error(repo):
    invoke(["tickets", "create", "--summary", "x"])
    result = invoke(["run", "DEMO-1", "--from", "deploy"], code=2)
    assert "deploy" in result.stderr


def test_sync_delivers_other_tickets_and_names_a_busy_one(repo):
    from martflow.core.workflow.ledger import Ledger

    invoke(["tickets", "create", "--summary", "first"])
    invoke(["tickets", "create", "--summary", "second"])
    ledger = Ledger(repo / ".martflow" / "state.db")
    ledger.enqueue("DEMO-1", "start", "comment", "DEMO-1", "queued while offline (1)")
    ledger.enqueue("DEMO-2", "start", "comment", "DEMO-2", "queued while offline (2)")
    with ticket_lock_held(repo / ".martflow" / "state.db", "DEMO-1") as holder:
        result = invoke(["sync", "--json"])
    assert json.loads(result.stdout) == {"delivered": 1, "failed": 0, "queued": 1}
    assert f"skipped DEMO-1: ticket DEMO-1 is busy: held by pid {holder.pid}" in result.stderr
    second = json.loads(invoke(["show", "DEMO-2", "--json"]).stdout)
    assert [c["body"] for c in second["comments"]] == ["queued while offline (2)"]
    assert json.loads(invoke(["sync", "--json"]).stdout)["delivered"] == 1
