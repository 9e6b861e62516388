"""A git repository with a config.toml, for CLI tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_repo(root: Path, config_toml: str) -> Path:
    """``root`` as a git repo (one commit) holding ``config_toml`` and a .gitignore."""
    root.mkdir()
    (root / "config.toml").write_text(config_toml)
    (root / ".gitignore").write_text(".martflow/\n")
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "Test"],
        ["config", "user.email", "test@example.com"],
        ["add", "."],
        ["commit", "-q", "-m", "init"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root
