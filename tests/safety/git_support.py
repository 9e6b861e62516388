"""Real git repositories with hooks, for the safety tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


def isolate_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config: identity comes from each repository only."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def make_work_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    """``root`` as a repository on ``main`` with one commit of ``files`` (and a README)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Engineer")
    git(root, "config", "user.email", "engineer@example.invalid")
    for rel, text in {"README.md": "# analytics\n", **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def add_hook(root: Path, name: str, script: str) -> Path:
    """An executable ``.git/hooks/NAME`` running ``script`` with /bin/sh."""
    hook = root / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + script)
    hook.chmod(0o755)
    return hook
