"""The commit step through the engine on a real git repository: the message the user wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from martflow.core.models import StepState
from martflow.core.workflow.committing import MAX_MESSAGE
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.settings import PipelineSettings
from martflow.core.workflow.steps import build_steps
from martflow.integrations.git import GitRepository
from tests.fakes.memory_tracker import MemoryTracker

KEY = "DEMO-1"
MODEL = "models/marts/fct_orders.sql"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


class GitServices:
    """Only what the commit step uses: settings and the real repository."""

    def __init__(self, root: Path) -> None:
        self.settings = PipelineSettings(root=root, specs_dir=root / "specs")

    def repository(self) -> GitRepository:
        return GitRepository(self.settings.root)


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A repo whose scaffold step already wrote one model, and an engine over it."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "work"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Engineer")
    git(root, "config", "user.email", "engineer@example.invalid")
    (root / "README.md").write_text("# analytics\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    (root / MODEL).parent.mkdir(parents=True)
    (root / MODEL).write_text("select 1 as order_id\n")
    tracker = MemoryTracker()
    tracker.create_ticket("Customer orders")
    ledger = Ledger(tmp_path / "state.db")
    for step in ("start", "scaffold", "lint", "build", "document"):  # commit follows them
        ledger.mark_running(KEY, step)
        ledger.finish_step(KEY, step, StepState.SUCCEEDED, "done", {"files": [MODEL]})
    return Engine(ledger, tracker, build_steps(GitServices(root)), lambda _step: None)


def test_custom_message_lands_in_git_with_the_run_trailer(engine, tmp_path):
    message = "DEMO-1: customer orders mart\n\nBuilt from shop.orders and shop.customers."
    report = engine.run(KEY, only=["commit"], options={"message": f"  {message}\r\n\n"})
    assert report.failed is None, engine.ledger.step(KEY, "commit").detail
    body = git(tmp_path / "work", "log", "-1", "--format=%B").rstrip("\n")
    trailer = f"Martflow-Run: {engine.ledger.pipeline_id(KEY)}"
    assert body == f"{message}\n\n{trailer}"
    assert git(tmp_path / "work", "show", "--name-only", "--format=", "HEAD") == MODEL


def test_without_a_message_the_default_is_key_and_summary(engine, tmp_path):
    engine.run(KEY, only=["commit"])
    subject = git(tmp_path / "work", "log", "-1", "--format=%s")
    assert subject == "DEMO-1: Customer orders"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("  \n\t ", "the commit message is empty"),
        ("x" * (MAX_MESSAGE + 1), f"the limit is {MAX_MESSAGE:,}"),
    ],
)
def test_a_blank_or_huge_message_fails_the_step_and_commits_nothing(
    engine, tmp_path, message, reason
):
    report = engine.run(KEY, only=["commit"], options={"message": message})
    assert report.failed == "commit"
    assert reason in engine.ledger.step(KEY, "commit").detail
    assert git(tmp_path / "work", "log", "--format=%s") == "initial"


def test_a_failed_push_leaves_the_commit_succeeded_with_the_push_failure_named(engine, tmp_path):
    missing = tmp_path / "no-such-remote.git"
    report = engine.run(KEY, only=["commit"], options={"push": True})
    record = engine.ledger.step(KEY, "commit")
    assert report.failed is None and record.state is StepState.SUCCEEDED
    assert record.artifacts["pushed"] is False and record.artifacts["push_error"]
    assert "; push failed: " in record.detail and record.detail.startswith("commit ")
    assert git(tmp_path / "work", "log", "-1", "--format=%s") == "DEMO-1: Customer orders"

    # Run again once the remote exists: the push goes.
    git(tmp_path, "init", "-q", "--bare", str(missing))
    git(tmp_path / "work", "remote", "add", "origin", str(missing))
    engine.run(KEY, only=["commit"], options={"push": True})
    record = engine.ledger.step(KEY, "commit")
    assert record.artifacts["pushed"] is True and "push_error" not in record.artifacts
    assert record.detail.endswith("and pushed to origin")
    assert git(missing, "log", "-1", "--format=%s", "main") == "DEMO-1: Customer orders"
