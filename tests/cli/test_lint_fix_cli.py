"""`martflow lint --fix` says which files it rewrote, in every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from tests.cli.repo_support import make_repo
from tests.integrations.test_lint import CLEAN_MART, DIRTY, SQLFLUFF_CONFIG

DIRTY_FILE = "models/marts/dirty.sql"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dbt project with one clean model and one sqlfluff can fix."""
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    root = make_repo(tmp_path / "repo", '[tracker]\nproject = "DEMO"\n')
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nmodel-paths: ['models']\n")
    (root / ".sqlfluff").write_text(SQLFLUFF_CONFIG)
    (root / "models/marts").mkdir(parents=True)
    (root / "models/marts/fct_orders.sql").write_text(CLEAN_MART)
    (root / DIRTY_FILE).write_text(DIRTY)
    monkeypatch.chdir(root)
    return root


def lint(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["lint", *args], catch_exceptions=False)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout, result.stderr


def test_fix_lists_the_changed_files_and_counts_them(project: Path) -> None:
    out, _ = lint("--fix")
    lines = out.strip().splitlines()
    assert lines[0] == f"fixed: {DIRTY_FILE}"
    assert lines[-1].startswith("All 2 files clean (")
    assert lines[-1].endswith(" fixed in 1 changed file)")
    assert (project / DIRTY_FILE).read_text() != DIRTY
    # Nothing left to fix: no file is named again.
    assert lint("--fix")[0].strip() == "All 2 files clean"


def test_fix_in_json_adds_the_changed_files(project: Path) -> None:
    out, _ = lint("--fix", "--format", "json")
    document = json.loads(out)
    assert document["changed"] == [DIRTY_FILE]
    assert document["fixed"] >= 5 and document["violations"] == []


def test_fix_in_a_machine_format_names_the_files_on_stderr(project: Path) -> None:
    out, err = lint("--fix", "--format", "github")
    assert out.strip() == ""  # a clean result: no annotations, nothing else on stdout
    assert err.splitlines() == [f"fixed: {DIRTY_FILE}"]
