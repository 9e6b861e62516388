"""`martflow init --existing` on the jaffle repo, then `doctor`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from martflow.config import Config, parse_config
from tests.existing.conftest import invoke, martflow
from tests.existing.jaffle import build_fresh, failed_nodes, git

pytestmark = pytest.mark.slow


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_init_existing_detects_the_project_and_writes_only_config_and_ignores(
    jaffle: Path, tmp_path: Path
) -> None:
    before = snapshot(jaffle)
    plan = json.loads(invoke(["--json", "init", "--existing", str(jaffle), "--dry-run"]).stdout)
    assert snapshot(jaffle) == before  # --dry-run writes nothing
    assert plan["dry_run"] is True and plan["written"] == []

    result = invoke(["init", "--existing", str(jaffle)])
    out = result.stdout
    assert "create           config.toml" in out
    assert "append           .gitignore: ignore .martflow/, dashboards/" in out
    assert "create           .github/workflows/martflow-lint.yml" in out
    assert "left alone       .pre-commit-config.yaml: exists" in out
    assert "no model, source or seed was changed" in out
    after = snapshot(jaffle)
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed == {"config.toml", ".gitignore", ".github/workflows/martflow-lint.yml"}
    assert not any(p.startswith("transform/") for p in changed)

    config = parse_config(jaffle / "config.toml")
    assert config.dbt.project_dir == "transform"
    assert config.dbt.profiles_dir == "transform"
    assert config.dbt.target == "dev"
    assert config.lint.dialect is None  # transform/.sqlfluff says ansi: martflow follows it
    assert config.git.default_branch == "develop"  # from origin/HEAD
    assert config.scaffold.models_dir == "models"
    text = (jaffle / "config.toml").read_text()
    for section, field in Config.model_fields.items():
        for key in getattr(field.annotation, "model_fields", {}):
            if key != "statuses":
                assert f"\n{key} =" in text or f"\n# {key} =" in text, (section, key)
    assert "# (unset: transform/.sqlfluff sets ansi)" in text
    assert tomllib.loads(text)["git"]["default_branch"] == "develop"
    assert (jaffle / ".gitignore").read_text().endswith(".martflow/\ndashboards/\n")
    workflow = (jaffle / ".github/workflows/martflow-lint.yml").read_text()
    assert 'branches: ["develop"]' in workflow and "fetch-depth: 0" in workflow

    # Idempotent: a second run leaves everything alone.
    again = json.loads(invoke(["--json", "init", "--existing", str(jaffle)]).stdout)
    assert again["written"] == []
    assert {f["action"] for f in again["files"]} == {"left alone"}
    assert snapshot(jaffle) == after

    # The whole project still builds on a fresh warehouse.
    built = build_fresh(jaffle / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)


def test_several_projects_ask_for_project_dir(jaffle: Path) -> None:
    other = jaffle / "sandbox"
    other.mkdir()
    (other / "dbt_project.yml").write_text("name: sandbox\nprofile: jaffle\n")
    result = invoke(["init", "--existing", str(jaffle)], code=2)
    assert "several dbt projects" in result.stderr and "--project-dir" in result.stderr
    assert "sandbox" in result.stderr and "transform" in result.stderr
    assert not (jaffle / "config.toml").exists()
    invoke(["init", "--existing", str(jaffle), "--project-dir", "transform"])
    assert parse_config(jaffle / "config.toml").dbt.project_dir == "transform"


def test_not_a_git_repo_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    result = invoke(["init", "--existing", str(tmp_path)], code=2)
    assert "not in a git repository" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_checks_warehouse_default_branch_and_statuses(adopted: Path, tmp_path: Path) -> None:
    checks = json.loads(martflow(adopted, "--json", "doctor").stdout)
    by_name = {c["check"]: c for c in checks}
    assert all(c["ok"] for c in checks), checks
    assert "1 of 1 declared source tables present" in by_name["warehouse"]["detail"]
    assert "dbt parses jaffle: 5 models, 2 seeds" in by_name["warehouse"]["detail"]
    assert by_name["default branch"]["detail"].startswith("develop")
    assert by_name["statuses"]["ok"]
    built = build_fresh(adopted / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)

    git(adopted, "branch", "-m", "develop", "old-develop")
    git(adopted, "update-ref", "-d", "refs/remotes/origin/develop")
    checks = json.loads(martflow(adopted, "--json", "doctor", code=1).stdout)
    failing = [c for c in checks if not c["ok"]]
    assert [c["check"] for c in failing] == ["default branch"]
    assert "'develop' is neither a local branch nor origin/develop" in failing[0]["detail"]
