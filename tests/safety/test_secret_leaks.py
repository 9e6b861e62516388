"""martflow's own secrets and token-shaped strings never reach a branch, a commit or a ticket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow import cli, context
from martflow import secrets as secrets_module
from martflow.core.secret_scan import SecretScanner
from martflow.errors import SecretFoundError
from martflow.integrations.git import GitRepository
from martflow.secrets import SecretStore
from tests.cli.repo_support import make_repo
from tests.safety.git_support import git, isolate_git_config, make_work_repo
from tests.safety.pipeline_support import KEY, pipeline

LIVE_TOKEN = "live-jira-token-" + "3f9a" * 8
AWS_KEY = "AKIA" + "Q7" * 8


@pytest.fixture
def scanner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SecretScanner:
    """A scanner knowing the Jira token, as after start-up with JIRA_API_TOKEN set."""
    isolate_git_config(tmp_path, monkeypatch)
    return SecretScanner(lambda: {"JIRA_API_TOKEN": LIVE_TOKEN})


def everything_in_git(root: Path) -> str:
    refs = git(root, "for-each-ref", "--format=%(refname)")
    return refs + git(root, "log", "--all", "-p", "--format=%H%n%B")


def test_a_token_in_the_summary_reaches_no_branch_file_commit_or_comment(tmp_path, scanner):
    engine, tracker, root = pipeline(tmp_path, f"Products {LIVE_TOKEN} catalogue", scanner)

    report = engine.run(KEY, only=["start", "scaffold", "commit"], force=True)

    assert report.failed is None, engine.ledger.steps(KEY)
    branch = git(root, "branch", "--show-current")
    assert branch == "DEMO-1-products-catalogue"
    assert (
        "DEMO-1: Products *** catalogue"
        in (root / "models/marts/_products__models.yml").read_text()
    )
    assert git(root, "log", "-1", "--format=%s") == "DEMO-1: Products *** catalogue"
    fragment = LIVE_TOKEN.lower()[-12:]
    assert fragment not in everything_in_git(root) and LIVE_TOKEN not in everything_in_git(root)
    comments = [c.body for c in tracker.get_ticket(KEY).comments]
    assert len(comments) == 3 and not any(fragment in body for body in comments)
    assert not any(LIVE_TOKEN in str(s.artifacts) + s.detail for s in engine.ledger.steps(KEY))


def test_a_file_holding_a_secret_is_not_committed_and_the_refusal_names_file_and_line(
    tmp_path, scanner
):
    engine, tracker, root = pipeline(tmp_path, "Products", scanner)
    assert engine.run(KEY, only=["start", "scaffold"]).failed is None
    model = root / "models/marts/dim_products.sql"
    model.write_text(model.read_text() + f"-- aws key for the loader: {AWS_KEY}\n")
    line = model.read_text().count("\n")

    report = engine.run(KEY, only=["commit"], force=True)

    assert report.failed == "commit"
    detail = engine.ledger.step(KEY, "commit").detail
    assert detail.startswith(
        f"refusing to commit: models/marts/dim_products.sql line {line} holds an AWS access "
        "key id (***); remove it (the ticket's text may carry it) and try again"
    )
    assert git(root, "log", "--format=%s") == "initial"
    assert AWS_KEY not in everything_in_git(root)
    assert git(root, "diff", "--cached", "--name-only") == ""  # nothing left staged
    assert not any(AWS_KEY in c.body for c in tracker.get_ticket(KEY).comments)


def test_a_commit_message_holding_the_token_is_refused(tmp_path, scanner):
    engine, _tracker, root = pipeline(tmp_path, "Products", scanner)
    assert engine.run(KEY, only=["start", "scaffold"]).failed is None
    report = engine.run(
        KEY, only=["commit"], options={"message": f"orders\n\ntoken {LIVE_TOKEN}"}, force=True
    )
    assert report.failed == "commit"
    assert engine.ledger.step(KEY, "commit").detail.startswith(
        "refusing to commit: the commit message line 3 holds the value of JIRA_API_TOKEN (***)"
    )
    assert git(root, "log", "--format=%s") == "initial"


@pytest.mark.parametrize(
    ("kind", "target", "payload"),
    [
        ("comment", KEY, f"martflow built it; debug: {LIVE_TOKEN}"),
        ("comment", KEY, "key file:\n" + "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIB"),
        ("link", f"https://tableau.example.com/#/views/x?token={LIVE_TOKEN}", "Dashboard"),
    ],
    ids=["known-token-in-comment", "private-key-in-comment", "known-token-in-link"],
)
def test_a_tracker_update_holding_a_secret_is_never_sent(tmp_path, scanner, kind, target, payload):
    engine, tracker, _root = pipeline(tmp_path, "Products", scanner)
    before = len(tracker.get_ticket(KEY).comments)
    op_id = engine.ledger.enqueue(KEY, "build", kind, target, payload)

    delivery = engine.sync(KEY)

    assert delivery.failed == 1 and delivery.delivered == 0
    [row] = [e for e in engine.ledger.outbox(KEY) if e.op_id == op_id]
    assert row.state.value == "failed" and row.attempts == 0
    assert "holds" in row.last_error and LIVE_TOKEN not in row.last_error
    assert len(tracker.get_ticket(KEY).comments) == before


def test_filing_a_ticket_holding_a_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.setattr(context, "SECRETS", SecretStore())
    monkeypatch.setattr(secrets_module, "SECRETS", SecretStore())  # what the CLI reads
    monkeypatch.chdir(make_repo(tmp_path / "repo", '[tracker]\nproject = "DEMO"\n'))
    description = "loader credentials:\n" + AWS_KEY

    result = CliRunner().invoke(
        cli.cli, ["tickets", "create", "--summary", "Orders", "--description", description]
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "martflow: refusing to file the ticket: the description line 2 holds an AWS access key "
        "id (***); remove it (the ticket's text may carry it) and try again\n"
    )
    listed = CliRunner().invoke(cli.cli, ["--json", "tickets"])
    assert json.loads(listed.stdout) == []


def test_git_repository_checks_commits_by_default(tmp_path, monkeypatch):
    """Without a scanner given, the repository still refuses token-shaped strings."""
    isolate_git_config(tmp_path, monkeypatch)
    root = make_work_repo(tmp_path / "work")
    (root / "creds.txt").write_text("aws " + AWS_KEY + "\n")
    with GitRepository(root) as repo, pytest.raises(SecretFoundError, match=r"creds\.txt line 1"):
        repo.commit(["creds.txt"], "add creds", "run-1")
