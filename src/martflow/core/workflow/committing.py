"""What the commit step commits, with which message, and its push."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from martflow.core.safe_text import visible
from martflow.errors import GitError, RemoteUnavailableError, UsageError

if TYPE_CHECKING:
    from martflow.core.ports import Repository
    from martflow.core.workflow.engine import StepContext

MAX_MESSAGE = 5000
"""The longest commit message (in characters) the commit step accepts."""


def commit_message(key: str, summary: str, options: Mapping[str, object] | None = None) -> str:
    """``options["message"]`` (a user-edited message), checked; else ``KEY: summary``.

    Raises:
        UsageError: the message is not text, is blank, or is longer than MAX_MESSAGE.
    """
    custom = (options or {}).get("message")
    if custom is None:
        return visible(f"{key}: {_one_line(summary)}")
    if not isinstance(custom, str):
        raise UsageError(f"the commit message must be text, not {type(custom).__name__}")
    message = custom.replace("\r\n", "\n").strip()
    if not message:
        raise UsageError("the commit message is empty; write what the commit does")
    if len(message) > MAX_MESSAGE:
        raise UsageError(
            f"the commit message has {len(message):,} characters; "
            f"the limit is {MAX_MESSAGE:,} (put long notes in the ticket)"
        )
    # Control and invisible characters are shown escaped: `git log` prints them raw.
    return visible(message, keep_newlines=True, keep_tabs=True)


def push_branch(repository: Repository, remote: str, context: StepContext) -> str:
    """Push; "" when it went, else why not (the commit stays, whatever the push did)."""
    context.emit(f"pushing to {remote}")
    try:
        repository.push(remote)
    except (GitError, RemoteUnavailableError) as exc:
        return exc.message
    return ""


def commit_paths(written: Sequence[str], specs_dir: Path, root: Path, key: str) -> list[str]:
    """What the commit step commits: the files the pipeline wrote, and ``specs/KEY.yml``."""
    paths = [str(path) for path in written]
    spec_file = spec_file_path(specs_dir, root, key)
    if (root / spec_file).exists():
        paths.append(spec_file)
    return paths


def spec_file_path(folder: Path, root: Path, key: str) -> str:
    path = folder / f"{key}.yml"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _one_line(text: str, limit: int = 72) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
