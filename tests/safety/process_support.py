"""martflow in a child process, as a user runs it: its own environment, a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path


def martflow_env(drop: Iterable[str] = (), add: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without MARTFLOW_CONFIG and ``drop``, plus ``add``."""
    dropped = {"MARTFLOW_CONFIG", *drop}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(add or {})
    return env


def run_martflow(
    root: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m martflow ARGS`` in ``root``; TimeoutExpired (a failure) if it hangs."""
    return subprocess.run(
        [sys.executable, "-m", "martflow", *args],
        cwd=root,
        env=dict(env) if env is not None else martflow_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def children(parent: int) -> list[int]:
    """Process ids whose parent is ``parent`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def comm(pid: int) -> str:
    """The command name of ``pid`` (empty once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
