"""What `init --existing` detects: profile location, lint dialect, default branch (git only)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from martflow.errors import UsageError
from martflow.project_scaffold.adopt import apply_adoption, plan_adoption

PROFILE = "shop:\n  target: prod\n  outputs:\n    prod:\n      type: snowflake\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "dbt").mkdir(parents=True)
    (root / "dbt" / "dbt_project.yml").write_text("name: shop\nprofile: shop\nmodel-paths: [src]\n")
    git(root, "init", "-q", "-b", "trunk")
    return root


def test_profile_from_dbt_profiles_dir_dialect_from_adapter_branch_from_head(
    repo: Path, tmp_path: Path
) -> None:
    profiles = tmp_path / "ci-profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(PROFILE)
    adoption = plan_adoption(repo, environ={"DBT_PROFILES_DIR": str(profiles)}, home=tmp_path)
    assert adoption.settings["dbt"] == {
        "project_dir": "dbt",
        "profiles_dir": str(profiles),
        "target": "prod",
    }
    assert adoption.settings["lint"] == {"dialect": "snowflake"}
    assert adoption.settings["git"] == {"default_branch": "trunk"}  # no origin/HEAD
    assert adoption.settings["scaffold"] == {"models_dir": "src"}
    actions = {s.path: s.action for s in adoption.steps}
    assert actions == {
        "config.toml": "create",
        ".gitignore": "append",
        ".github/workflows/martflow-lint.yml": "create",
        ".pre-commit-config.yaml": "create",
    }
    assert not (repo / "config.toml").exists()  # planning writes nothing


def test_home_dbt_profile_and_existing_ignores_and_ci_are_left_alone(
    repo: Path, tmp_path: Path
) -> None:
    (tmp_path / ".dbt").mkdir()
    (tmp_path / ".dbt" / "profiles.yml").write_text(PROFILE.replace("snowflake", "spark"))
    (repo / ".gitignore").write_text(".martflow\ndashboards/*\n")
    (repo / ".gitlab-ci.yml").write_text("lint: {script: [make lint]}\n")
    adoption = plan_adoption(repo, environ={}, home=tmp_path, pre_commit=False)
    assert adoption.settings["dbt"]["profiles_dir"] == "~/.dbt"
    assert adoption.settings["lint"] == {"dialect": "sparksql"}
    steps = {s.path: s for s in adoption.steps}
    assert steps[".gitignore"].action == "left alone"
    assert steps[".github/workflows/martflow-lint.yml"].action == "left alone"
    assert ".gitlab-ci.yml" in steps[".github/workflows/martflow-lint.yml"].detail
    assert ".pre-commit-config.yaml" not in steps
    assert apply_adoption(adoption) == ["config.toml"]
    assert 'profiles_dir = "~/.dbt"' in (repo / "config.toml").read_text()


def test_a_dbt_project_inside_a_skipped_folder_is_not_found(repo: Path) -> None:
    (repo / "dbt" / "dbt_project.yml").rename(repo / "dbt" / "moved.yml")
    (repo / "dbt_packages" / "pkg").mkdir(parents=True)
    (repo / "dbt_packages" / "pkg" / "dbt_project.yml").write_text("name: pkg\n")
    with pytest.raises(UsageError, match=r"no dbt_project\.yml"):
        plan_adoption(repo, environ={}, home=repo)
