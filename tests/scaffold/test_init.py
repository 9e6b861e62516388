"""`martflow init`: the repo template, atomic rendering, the first commit; atomic writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from martflow.config import parse_config
from martflow.errors import GitError, UsageError
from martflow.project_scaffold.atomic import atomic_write_bytes, atomic_write_text
from martflow.project_scaffold.init import (
    CONTEXT_KEYS,
    TEMPLATE_DIR,
    init_repo,
    render_context,
    slug_identifier,
)
from martflow.project_scaffold.synthetic import generate_shop
from tests.scaffold_tools import RENDERER

EXPECTED_FILES = {
    ".github/workflows/lint.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".sqlfluff",
    ".sqlfluffignore",
    "README.md",
    "config.toml",
    "dbt_project.yml",
    "profiles.yml",
    "macros/.gitkeep",
    "sqlfluff_libs/__init__.py",
    "sqlfluff_libs/adapter.py",
    "sqlfluff_libs/dbt.py",
    "models/staging/.gitkeep",
    "models/intermediate/.gitkeep",
    "models/marts/.gitkeep",
    "specs/.gitkeep",
}


def git(repo: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private global git config, so the developer's settings cannot change the outcome."""
    path = tmp_path / "gitconfig"
    path.write_text("[user]\n\tname = Ada Tester\n\temail = ada@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_init_commits_every_template_file_once_on_main(workdir: Path, git_config: Path) -> None:
    repo = init_repo(workdir / "shop-analytics", tracker_project="SHOP", renderer=RENDERER)

    assert repo == workdir / "shop-analytics"
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert set(git(repo, "ls-files").splitlines()) == EXPECTED_FILES
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Ada Tester <ada@example.com>"
    # nothing but the repo appeared: the staging folder is gone
    assert [p.name for p in workdir.iterdir()] == ["shop-analytics"]


def test_committed_files_are_not_ignored_and_build_output_is(
    workdir: Path, git_config: Path
) -> None:
    repo = init_repo(workdir / "analytics", renderer=RENDERER)
    tracked = git(repo, "ls-files").splitlines()
    ignored = git(repo, "check-ignore", "--no-index", *tracked, check=False)
    assert ignored == ""
    outputs = [
        "target/manifest.json",
        "dbt_packages/x/y.sql",
        "logs/dbt.log",
        ".martflow/ledger.sqlite",
        "warehouse.duckdb",
        "warehouse.duckdb.wal",
        "dashboards/a.twbx",
        ".env",
        ".user.yml",
    ]
    assert git(repo, "check-ignore", "--no-index", *outputs).splitlines() == outputs


def test_rendered_config_is_valid_for_martflow(workdir: Path, git_config: Path) -> None:
    repo = init_repo(
        workdir / "analytics", tracker_project="ACME", dialect="duckdb", renderer=RENDERER
    )
    config = parse_config(repo / "config.toml")
    assert config.tracker.project == "ACME"
    assert config.tracker.kind == "local"
    assert config.lint.dialect == "duckdb"
    assert config.scaffold.source_schemas == {"shop": "raw"}
    assert config.dbt.target == "dev"
    assert "{{" not in (repo / "config.toml").read_text()


@pytest.mark.slow
def test_dbt_parses_the_repo_and_reads_the_synthetic_warehouse(
    workdir: Path, git_config: Path
) -> None:
    repo = init_repo(workdir / "demo", renderer=RENDERER)
    counts = generate_shop(repo / "warehouse.duckdb", rows=300, seed=7)
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "NO_COLOR": "1"}
    common = ["--project-dir", ".", "--profiles-dir", "."]

    parsed = subprocess.run(
        [dbt, "parse", *common], cwd=repo, env=env, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    manifest = json.loads((repo / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["project_name"] == "demo"

    # profiles.yml's relative path resolves against dbt's cwd: the project folder
    shown = subprocess.run(
        [dbt, "show", *common, "--output", "json", "--inline",
         "select count(*) as n from raw.orders"],
        cwd=repo, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert re.search(rf'"n":\s*{counts["orders"]}\b', shown.stdout), shown.stdout
    # dbt's output and the warehouse are all ignored: the tree is still clean
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_generated_sqlfluff_config_accepts_dbt_style_and_rejects_upper_case(
    workdir: Path, git_config: Path
) -> None:
    from sqlfluff.core import FluffConfig, Linter

    repo = init_repo(workdir / "analytics", renderer=RENDERER)
    model = repo / "models" / "staging" / "stg_shop__orders.sql"
    good = (
        "with source as (\n"
        "    select * from {{ source('shop', 'orders') }}\n"
        "),\n\n"
        "renamed as (\n"
        "    select\n"
        "        order_id,\n"
        '        "Customer ID" as customer_id,\n'
        '        cast("Order Date" as date) as order_date\n'
        "    from source\n"
        ")\n\n"
        "select * from renamed\n"
    )
    config = FluffConfig.from_path(str(repo))
    assert config.get("dialect") == "duckdb"
    assert config.get("max_line_length") == 100

    model.write_text(good)
    result = Linter(config=config).lint_paths((str(model),))
    assert [v.rule_code() for v in result.get_violations()] == []

    model.write_text(good.replace("select", "SELECT"))
    result = Linter(config=config).lint_paths((str(model),))
    assert {v.rule_code() for v in result.get_violations()} == {"CP01"}


def test_non_empty_target_is_refused_and_left_untouched(workdir: Path, git_config: Path) -> None:
    target = workdir / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")

    with pytest.raises(UsageError, match="not empty") as info:
        init_repo(target, renderer=RENDERER)

    assert str(target) in str(info.value)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert [p.name for p in workdir.iterdir()] == ["taken"]


def test_empty_existing_target_is_used(workdir: Path, git_config: Path) -> None:
    target = workdir / "empty"
    target.mkdir()
    init_repo(target, renderer=RENDERER)
    assert (target / "dbt_project.yml").is_file()


def test_a_failing_commit_leaves_nothing_behind(workdir: Path, git_config: Path) -> None:
    # A real git failure: signing is required and the signing program always fails.
    git_config.write_text(
        git_config.read_text() + "[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n"
    )
    with pytest.raises(GitError, match="git commit"):
        init_repo(workdir / "analytics", renderer=RENDERER)
    assert list(workdir.iterdir()) == []


def test_identity_fallback_only_when_git_has_none(workdir: Path, git_config: Path) -> None:
    git_config.write_text("")
    repo = init_repo(workdir / "anon", renderer=RENDERER)
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "martflow <martflow@localhost>"


@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"project_name": "My Project"}, "My Project"),
        ({"project_name": "1st"}, "1st"),
        ({"project_name": "shop-mart"}, "shop-mart"),
        ({"project_name": "{{ cookiecutter.x }}"}, "{{ cookiecutter.x }}"),
        ({"tracker_project": "demo"}, "demo"),
        ({"tracker_project": "D"}, "'D'"),
        ({"tracker_project": "DE MO"}, "DE MO"),
        ({"dialect": "{% raw %}"}, "{% raw %}"),
        ({"dialect": "sqlite"}, "sqlite"),
    ],
)
def test_bad_names_are_refused_before_anything_is_written(
    workdir: Path, git_config: Path, kwargs: dict[str, str], bad: str
) -> None:
    with pytest.raises(UsageError) as info:
        init_repo(workdir / "analytics", **kwargs, renderer=RENDERER)
    assert bad in str(info.value)
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("name", ["my repo", "{{7*7}}", "-x", "caf\u00e9"])
def test_unusable_folder_names_are_refused(workdir: Path, git_config: Path, name: str) -> None:
    with pytest.raises(UsageError, match="folder name"):
        init_repo(workdir / name, renderer=RENDERER)
    assert list(workdir.iterdir()) == []


def test_cookiecutter_context_holds_only_checked_identifiers() -> None:
    template_keys = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    assert {k for k in template_keys if not k.startswith("_")} == set(CONTEXT_KEYS)

    context = render_context(
        Path("/x/Shop.Analytics-2"), project_name=None, tracker_project="DEMO", dialect="duckdb"
    )
    assert tuple(context) == CONTEXT_KEYS
    assert context["project_name"] == "shop_analytics_2"
    for value in context.values():
        assert re.fullmatch(r"[A-Za-z0-9._-]+", value)


@pytest.mark.parametrize(
    ("folder", "slug"),
    [
        ("martflow-demo", "martflow_demo"),
        ("My.Analytics--v2", "my_analytics_v2"),
        ("2024_marts", "p_2024_marts"),
        ("---", "analytics"),
    ],
)
def test_default_project_name_is_the_folder_as_identifier(folder: str, slug: str) -> None:
    assert slug_identifier(folder) == slug


# atomic writes (project_scaffold/atomic.py, reused by the scaffolders)


def test_atomic_write_creates_and_replaces_keeping_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "model.sql"
    atomic_write_text(path, "select 1\n")
    assert path.read_text() == "select 1\n"
    path.chmod(0o640)
    atomic_write_bytes(path, b"select 2\n")
    assert path.read_bytes() == b"select 2\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["model.sql"]


def test_atomic_write_failure_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a_folder"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    with pytest.raises(OSError):
        atomic_write_text(target, "cannot replace a folder with a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_folder"]
    assert (target / "keep.txt").read_text() == "x"
