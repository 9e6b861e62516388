"""Secrets are read once at start; git, its hooks and hyperd get an environment without them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow import child_env, cli, context
from martflow import secrets as secrets_module
from martflow.child_env import git_environment
from martflow.integrations.git import GitRepository
from martflow.secrets import SECRET_VARIABLES, SecretStore
from tests.safety.git_support import add_hook, isolate_git_config, make_work_repo
from tests.safety.process_support import children, comm

SECRET_VALUES = {name: f"value-of-{name.lower()}-{os.getpid()}" for name in SECRET_VARIABLES}


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> SecretStore:
    """A fresh process-wide secret store, and every secret variable set in the environment."""
    fresh = SecretStore()
    # The CLI reads martflow.secrets.SECRETS when a command runs (not at import).
    for module in (secrets_module, context, child_env):
        monkeypatch.setattr(module, "SECRETS", fresh)
    for name, value in SECRET_VALUES.items():
        monkeypatch.setenv(name, value)
    return fresh


def dumped_environment(path: Path) -> dict[str, str]:
    entries = [e for e in path.read_bytes().split(b"\0") if e]
    return dict(e.decode().split("=", 1) for e in entries)


def test_a_commit_hook_sees_no_secret_even_before_they_are_read(tmp_path, monkeypatch, store):
    isolate_git_config(tmp_path, monkeypatch)
    root = make_work_repo(tmp_path / "work")
    dump = tmp_path / "hook-env"
    add_hook(root, "pre-commit", f"cat /proc/$$/environ > '{dump}'\n")
    monkeypatch.setenv("MY_SERVICE_API_TOKEN", "other-token")
    monkeypatch.setenv("TEAM_HOOK_SETTING", "kept")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Hook Tester")
    (root / "models").mkdir()
    (root / "models" / "a.sql").write_text("select 1 as a\n")

    with GitRepository(root, pass_env=["TEAM_HOOK_SETTING", "JIRA_API_TOKEN"]) as repo:
        repo.commit(["models/a.sql"], "add a", "run-1")

    seen = dumped_environment(dump)
    assert not set(SECRET_VARIABLES) & set(seen)
    assert not any(value in "".join(seen.values()) for value in SECRET_VALUES.values())
    assert "MY_SERVICE_API_TOKEN" not in seen
    assert seen["TEAM_HOOK_SETTING"] == "kept"  # [git] pass_env
    assert seen["GIT_AUTHOR_NAME"] == "Hook Tester"
    assert seen["PATH"].endswith(os.environ["PATH"])  # git puts its exec-path first


def test_a_variable_holding_a_known_secret_value_is_dropped(store, monkeypatch):
    store.capture_environment()
    environ = {"PATH": "/bin", "GIT_ASKPASS_VALUE": SECRET_VALUES["JIRA_API_TOKEN"]}
    assert git_environment(environ) == {"PATH": "/bin"}


def test_any_command_moves_every_secret_out_of_the_environment_at_start(
    tmp_path, monkeypatch, store
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    result = CliRunner().invoke(cli.cli, ["status"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not set(SECRET_VARIABLES) & set(os.environ)
    assert sorted(store.values()) == sorted(SECRET_VALUES.values())


def test_hyperd_started_after_start_up_inherits_no_secret(tmp_path, store):
    from tableauhyperapi import HyperProcess, Telemetry

    store.capture_environment()
    parameters = {"log_dir": str(tmp_path)}
    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters=parameters):
        hyperd = [pid for pid in children(os.getpid()) if comm(pid).startswith("hyperd")]
        assert hyperd, "no hyperd child found"
        seen = dumped_environment(Path(f"/proc/{hyperd[0]}/environ"))
    assert not set(SECRET_VARIABLES) & set(seen)
