"""The pre-commit hook `init` ships lints exactly the staged models (real git, pre-commit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from martflow.project_scaffold.init import init_repo
from tests.scaffold_tools import RENDERER

pytestmark = pytest.mark.slow

CLEAN = "select\n    order_id,\n    amount\nfrom {{ ref('stg_shop__orders') }}\n"
DIRTY = "SELECT order_id,amount FROM {{ ref('stg_shop__orders') }}\n"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A new repo with the hook installed; ``martflow`` is on PATH as pipx would put it."""
    root = init_repo(tmp_path / "analytics", renderer=RENDERER)
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
    }  # fmt: skip
    done = run(root, env, str(bin_dir / "pre-commit"), "install")
    assert done.returncode == 0, done.stdout
    return root, env


def run(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``args`` in ``root``; git's and the hook's output together in ``stdout``."""
    return subprocess.run(
        list(args), cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=300, check=False,
    )  # fmt: skip


def commits(root: Path, env: dict[str, str]) -> int:
    return int(run(root, env, "git", "rev-list", "--count", "HEAD").stdout)


def test_only_staged_models_are_linted_and_a_violation_stops_the_commit(
    repo: tuple[Path, dict[str, str]],
) -> None:
    root, env = repo
    marts = root / "models" / "marts"
    (marts / "fct_clean.sql").write_text(CLEAN)
    (marts / "fct_dirty.sql").write_text(DIRTY)  # on disk, never staged

    run(root, env, "git", "add", "models/marts/fct_clean.sql")
    ok = run(root, env, "git", "commit", "-m", "clean model")
    assert ok.returncode == 0, ok.stdout
    assert "martflow lint (staged models)" in ok.stdout and "Passed" in ok.stdout
    assert commits(root, env) == 2

    # The clean file staged, then made dirty without staging: the staged text is linted.
    (marts / "fct_clean.sql").write_text(CLEAN + "-- reviewed\n")
    run(root, env, "git", "add", "models/marts/fct_clean.sql")
    (marts / "fct_clean.sql").write_text(DIRTY)
    ok = run(root, env, "git", "commit", "-m", "reviewed")
    assert ok.returncode == 0, ok.stdout
    assert (marts / "fct_clean.sql").read_text() == DIRTY  # the unstaged edit is back

    run(root, env, "git", "add", "models/marts/fct_dirty.sql")
    refused = run(root, env, "git", "commit", "-m", "dirty model")
    assert refused.returncode == 1
    assert "Failed" in refused.stdout and "fct_dirty.sql" in refused.stdout
    assert "CP01" in refused.stdout  # sqlfluff's finding, shown to the committer
    assert "fct_clean.sql" not in refused.stdout
    assert commits(root, env) == 3


def test_the_documented_plain_git_hook_lints_staged_models(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "install.md").read_text()
    snippet = doc.split("cat > .git/hooks/pre-commit <<'HOOK'", 1)[1].split("```", 1)[0]
    root = init_repo(tmp_path / "analytics", renderer=RENDERER)
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
    }  # fmt: skip
    installed = run(root, env, "sh", "-c", "cat > .git/hooks/pre-commit <<'HOOK'" + snippet)
    assert installed.returncode == 0, installed.stdout
    marts = root / "models" / "marts"
    (marts / "fct_clean.sql").write_text(CLEAN)
    (marts / "fct_dirty.sql").write_text(DIRTY)
    run(root, env, "git", "add", "models/marts/fct_clean.sql")
    ok = run(root, env, "git", "commit", "-m", "clean")
    assert ok.returncode == 0, ok.stdout
    run(root, env, "git", "add", "models/marts/fct_dirty.sql")
    refused = run(root, env, "git", "commit", "-m", "dirty")
    assert refused.returncode == 1 and "fct_dirty.sql" in refused.stdout, refused.stdout
    assert commits(root, env) == 2


def test_martflows_own_commit_finds_martflow_for_the_hook(
    repo: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit step runs hooks; the venv need not be activated for them to find martflow."""
    from martflow.integrations.git_process import run_git

    root, env = repo
    (root / "models" / "marts" / "fct_clean.sql").write_text(CLEAN)
    run(root, env, "git", "add", "models/marts/fct_clean.sql")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")  # no martflow on it
    status, out, err = run_git(root, ["commit", "-m", "clean model"], timeout=300)
    assert status == 0, out + err
    assert "martflow lint (staged models)" in out + err and "Passed" in out + err
