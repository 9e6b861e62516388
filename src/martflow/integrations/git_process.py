"""Running git as a child process: an allow-listed environment, English messages, killable."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

from martflow.child_env import git_environment
from martflow.errors import GitError


def run_git(
    root: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    pass_env: Sequence[str] = (),
    timeout: float | None = None,
) -> tuple[int, str, str]:
    """(status, stdout, stderr) of ``git ARGS`` in ``root``; never a secret in its environment.

    ``env`` adds variables for this command only; ``pass_env`` names more variables git
    and its hooks may see. Git's messages are in English (LC_ALL=C) because errors are
    recognised by their text. A timeout, or Ctrl-C in martflow, kills git with whatever
    it started (ssh, hooks).
    """
    extra = {"LANGUAGE": "C", "LC_ALL": "C", **(env or {})}
    extra.setdefault("PATH", own_scripts_first(os.environ.get("PATH", "")))
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=root,
            env=git_environment(os.environ, pass_env, extra),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,  # its own group, so killing it reaches ssh and hooks too
        )
    except FileNotFoundError:
        raise GitError("the git executable was not found on PATH") from None
    except OSError as exc:
        raise GitError(f"git {args[0]} failed: {exc.strerror}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, err = proc.communicate()
        timed_out = f"\nfatal: operation timed out after {timeout:.0f} s"
        return 124, _decode(out), _decode(err) + timed_out
    except BaseException:  # Ctrl-C: git and whatever hook it runs stop with us
        _kill(proc)
        proc.wait()
        raise
    return proc.returncode, _decode(out), _decode(err)


def own_scripts_first(path: str) -> str:
    """``path`` with the folder of the running ``martflow`` first, if it is not on it.

    A pre-commit hook runs ``martflow lint``: when martflow itself commits from a venv
    that is not activated, the hook finds this same martflow instead of failing.
    """
    scripts = sysconfig.get_path("scripts")
    if not scripts or not os.access(Path(scripts) / "martflow", os.X_OK):
        return path
    parts = path.split(os.pathsep) if path else []
    if scripts in parts:
        return path
    return os.pathsep.join([scripts, *parts])


def first_line(stderr: str) -> str:
    """The first line of git's stderr worth showing a user."""
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line or line.startswith(("hint:", "To ")):
            continue
        for prefix in ("fatal: ", "error: "):
            line = line.removeprefix(prefix)
        return line
    return "git failed without a message"


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# What git prints when the network, not the request, failed (a push is retried later).
TRANSIENT_MARKERS = (
    "could not resolve host",
    "temporary failure in name resolution",
    "connection refused",
    "connection timed out",
    "connection reset",
    "network is unreachable",
    "failed to connect",
    "operation timed out",
    "timeout",
    "timed out",
    "early eof",
    "hung up unexpectedly",
    "returned error: 502",
    "returned error: 503",
    "returned error: 504",
)


def is_transient(stderr: str) -> bool:
    """True when git's ``stderr`` says the network failed (not the request)."""
    return any(marker in stderr.lower() for marker in TRANSIENT_MARKERS)
