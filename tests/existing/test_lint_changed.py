"""`lint --changed` on the jaffle repo: its base found locally and in CI checkouts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.existing.conftest import invoke
from tests.existing.jaffle import build_fresh, failed_nodes, git

pytestmark = pytest.mark.slow

LEGACY = "transform/models/legacy/returned_orders.sql"


@pytest.fixture
def feature(adopted: Path) -> Path:
    """A feature branch that edits one line of the legacy model, pushed to origin."""
    git(adopted, "switch", "-q", "-c", "feature")
    path = adopted / LEGACY
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = "WHERE O.STATUS = 'returned' OR O.STATUS = 'refunded'\n"
    path.write_text("".join(lines))
    git(adopted, "commit", "-qam", "Refunded orders count as returned")
    git(adopted, "push", "-q", "origin", "feature")
    return adopted


def lint(root: Path, *args: str, code: int = 1, env: dict[str, str] | None = None) -> dict:
    result = invoke(
        ["--config", str(root / "config.toml"), "lint", "--changed", "--format", "json", *args],
        code,
        env,
    )
    return json.loads(result.stdout)


def ci_checkout(origin: Path, target: Path, *, depth: int | None = None) -> Path:
    """Like actions/checkout: a clone detached at feature's tip, no local branch left."""
    shallow = ["--depth", str(depth)] if depth else []
    git(
        origin.parent,
        "clone",
        "-q",
        "--no-local",
        *shallow,
        "--branch",
        "feature",
        str(origin),
        str(target),
    )
    git(target, "checkout", "-q", "--detach")
    git(target, "branch", "-q", "-D", "feature")
    assert git(
        target, "branch", "--list"
    ) == "* (HEAD detached at origin/feature)" or "detached" in git(target, "branch", "--list")
    return target


def test_changed_lines_report_only_the_edited_line_of_a_legacy_file(
    feature: Path, tmp_path: Path
) -> None:
    whole = lint(feature)
    assert whole["files"] == 1
    assert {v["path"] for v in whole["violations"]} == {"models/legacy/returned_orders.sql"}
    assert {v["line"] for v in whole["violations"]} >= {2, 3}

    edited = lint(feature, "--changed-lines")
    assert edited["files"] == 1 and edited["violations"]
    assert {v["line"] for v in edited["violations"]} == {3}
    built = build_fresh(feature / "transform", tmp_path / "fresh")
    assert built.success, failed_nodes(built)


def test_a_detached_ci_checkout_with_only_remote_branches_finds_origin_develop(
    feature: Path, tmp_path: Path
) -> None:
    ci = ci_checkout(feature.parent / "origin.git", tmp_path / "ci")
    assert git(ci, "for-each-ref", "--format=%(refname)", "refs/heads") == ""
    report = lint(ci)  # [git] default_branch = develop -> origin/develop
    assert report["files"] == 1

    # The CI's variable comes first: a wrong one is an error, not a silent fallback.
    result = invoke(
        ["--config", str(ci / "config.toml"), "lint", "--changed"],
        2,
        {"GITHUB_BASE_REF": "release"},
    )
    assert result.stderr.strip() == (
        "martflow: lint --changed: unknown base ref 'release' (from $GITHUB_BASE_REF)"
    )
    assert lint(ci, env={"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "develop"})["files"] == 1

    # A default branch that does not exist falls back to origin/HEAD (develop).
    config = ci / "config.toml"
    config.write_text(
        config.read_text().replace('default_branch = "develop"', 'default_branch = "main"')
    )
    assert lint(ci)["files"] == 1


def test_a_shallow_ci_clone_says_what_to_fetch_and_works_after_it(
    feature: Path, tmp_path: Path
) -> None:
    ci = ci_checkout(feature.parent / "origin.git", tmp_path / "ci", depth=1)
    result = invoke(["--config", str(ci / "config.toml"), "lint", "--changed"], 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "shallow clone" in lines[0]
    command = re.search(r"fetch it first: (git fetch [^(]+?) \(", lines[0])
    assert command is not None, lines[0]
    assert command.group(1) == (
        "git fetch --unshallow origin +refs/heads/develop:refs/remotes/origin/develop"
    )

    git(ci, *shlex.split(command.group(1))[1:])
    assert lint(ci)["files"] == 1


def test_usage_and_configuration_problems_exit_2(feature: Path) -> None:
    config = str(feature / "config.toml")
    result = invoke(["--config", config, "lint", "--changed", "--base", "nope"], 2)
    assert "unknown base ref 'nope' (from --base)" in result.stderr
    assert (
        "goes with --changed" in invoke(["--config", config, "lint", "--changed-lines"], 2).stderr
    )
    assert "no scaffolded models" in invoke(["--config", config, "lint", "JAF-9"], 2).stderr
    text = (feature / "config.toml").read_text().replace("# dialect = ", 'dialect = "nosuch"')
    (feature / "config.toml").write_text(text)
    result = invoke(["--config", config, "lint", "--changed"], 2)
    assert "unknown sqlfluff dialect 'nosuch'" in result.stderr
