"""The jaffle team repo, built once per worker and copied for each test."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from martflow.cli import cli
from tests.existing.jaffle import copy_repo, git, make_repo


def invoke(args: Sequence[str], code: int | None = 0, env: dict[str, str] | None = None) -> Result:
    """martflow through click's runner; asserts the exit code unless ``code`` is None."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    if code is not None:
        assert result.exit_code == code, f"{result.stdout}\n{result.stderr}"
    return result


def martflow(
    root: Path, *args: str, code: int | None = 0, env: dict[str, str] | None = None
) -> Result:
    """martflow on the adopted repo at ``root`` (its config.toml)."""
    return invoke(["--config", str(root / "config.toml"), *args], code, env)


def file_ticket(root: Path, summary: str, spec: str) -> str:
    """File a local ticket whose description holds ``spec``; returns its key."""
    description = f"{summary}\n\n```yaml\n{spec}```\n"
    result = martflow(
        root, "--json", "tickets", "create", "--summary", summary, "--description", description
    )
    return str(json.loads(result.stdout)["key"])


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    for name in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "DBT_PROFILES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.dbt, no global git config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture(scope="session")
def jaffle_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The team's repo before martflow: built, seeded and pushed once."""
    return make_repo(tmp_path_factory.mktemp("jaffle-template"))


@pytest.fixture(scope="session")
def adopted_template(tmp_path_factory: pytest.TempPathFactory, jaffle_template: Path) -> Path:
    """The same repo after `martflow init --existing`, committed and pushed on develop."""
    root = copy_repo(jaffle_template, tmp_path_factory.mktemp("adopted-template"))
    result = invoke(["--json", "init", "--existing", str(root)])
    written = json.loads(result.stdout)["written"]
    git(root, "add", *written)
    git(root, "commit", "-q", "-m", "Adopt martflow")
    git(root, "push", "-q", "origin", "develop")
    return root


@pytest.fixture
def jaffle(tmp_path: Path, jaffle_template: Path) -> Path:
    """A fresh copy of the team's repo, not adopted yet."""
    return copy_repo(jaffle_template, tmp_path / "team")


@pytest.fixture
def adopted(tmp_path: Path, adopted_template: Path) -> Path:
    """A fresh copy of the adopted repo, on develop, clean."""
    return copy_repo(adopted_template, tmp_path / "team")
