"""A .env file next to the dbt project: doctor and run warn about it, and it is never staged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.config import DOTENV_WARNING
from martflow.errors import GitError
from martflow.integrations.git import GitRepository
from martflow.integrations.tracker.local import LocalTracker
from tests.cli.repo_support import make_repo
from tests.safety.git_support import git, isolate_git_config, make_work_repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose dbt project (in shop/) has a .env file."""
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    root = make_repo(tmp_path / "repo", '[dbt]\nproject_dir = "shop"\n')
    (root / "shop").mkdir()
    (root / "shop" / ".env").write_text("WAREHOUSE_PASSWORD=hunter2\n")
    (root / ".gitignore").write_text(".martflow/\n.env\n")  # as `martflow init` writes it
    git(root, "commit", "-qam", "ignore .env")
    monkeypatch.chdir(root)
    return root


def test_doctor_warns_about_the_env_file_without_failing_on_it(repo):
    result = CliRunner().invoke(cli, ["--json", "doctor"])
    rows = {row["check"]: row for row in json.loads(result.stdout)}
    assert rows[".env"] == {
        "check": ".env",
        "ok": True,
        "warning": True,
        "skipped": False,
        "detail": f"{repo / 'shop' / '.env'}: {DOTENV_WARNING}",
    }
    human = CliRunner().invoke(cli, ["doctor"]).stdout
    assert f"WARN  .env: {repo / 'shop' / '.env'}: dbt (1.12 and later) loads it" in human


def test_run_warns_about_the_env_file_once(repo):
    LocalTracker(repo / ".martflow" / "tracker.db").create_ticket("Orders")
    result = CliRunner().invoke(cli, ["run", "DEMO-1", "--until", "start"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if ".env" in line]
    assert warnings == [f"martflow: warning: {repo / 'shop' / '.env'}: {DOTENV_WARNING}"]


def test_no_env_file_no_warning(repo):
    (repo / "shop" / ".env").unlink()
    rows = json.loads(CliRunner().invoke(cli, ["--json", "doctor"]).stdout)
    assert ".env" not in {row["check"] for row in rows}


@pytest.mark.parametrize("name", [".env", "shop/.env", ".env.local"])
def test_an_env_file_is_never_committed_even_when_not_ignored(tmp_path, monkeypatch, name):
    isolate_git_config(tmp_path, monkeypatch)
    root = make_work_repo(tmp_path / "work")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("TOKEN=x\n")
    (root / "model.sql").write_text("select 1\n")
    with GitRepository(root) as repo, pytest.raises(GitError, match=r"a \.env file holds secrets"):
        repo.commit(["model.sql", name], "add", "run-1")
    assert git(root, "diff", "--cached", "--name-only") == ""
    assert git(root, "log", "--format=%s") == "initial"


def test_an_env_example_may_be_committed(tmp_path, monkeypatch):
    isolate_git_config(tmp_path, monkeypatch)
    root = make_work_repo(tmp_path / "work")
    (root / ".env.example").write_text("TOKEN=\n")
    with GitRepository(root) as repo:
        repo.commit([".env.example"], "document the variables", "run-1")
    assert git(root, "show", "--name-only", "--format=", "HEAD") == ".env.example"
