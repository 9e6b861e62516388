"""What a commit refuses (.env, secrets, paths leaving the repo) and how a hook refusal reads."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from martflow.core.secret_scan import SecretScanner
from martflow.errors import GitError

COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg")
_DOTENV_SAMPLES = (".example", ".sample", ".template", ".dist")


def refuse_dotenv(rels: Sequence[str]) -> None:
    """A ``.env`` file holds a machine's secrets: never staged, ignored or not."""
    for rel in rels:
        name = PurePosixPath(rel).name
        if (name == ".env" or name.startswith(".env.")) and not name.endswith(_DOTENV_SAMPLES):
            raise GitError(f"refusing to commit {rel}: a .env file holds secrets; keep it local")


def refuse_secrets(scanner: SecretScanner, root: Path, rels: Sequence[str], message: str) -> None:
    """SecretFoundError naming the file (or the message) and line that holds a secret."""
    scanner.refuse(message, "the commit message", "commit")
    for rel in rels:
        path = root / rel
        if path.is_symlink() or not path.is_file():
            continue
        scanner.refuse(path.read_bytes().decode("utf-8", errors="replace"), rel, "commit")


def executable_hooks(folder: Path) -> list[str]:
    """The commit hooks present and executable in ``folder`` (git's hooks path)."""
    return [
        name
        for name in COMMIT_HOOKS
        if (folder / name).is_file() and os.access(folder / name, os.X_OK)
    ]


def hook_output(output: str, lines: int = 30, chars: int = 3000) -> str:
    """The end of a hook's output: what it said last is what explains the refusal."""
    kept = [line.rstrip() for line in output.strip().splitlines()][-lines:]
    text = "\n".join(kept)
    return text[-chars:] if len(text) > chars else text


@contextlib.contextmanager
def temporary_index(git_dir: Path) -> Iterator[dict[str, str]]:
    """``GIT_INDEX_FILE`` for a throwaway index inside ``git_dir``, removed afterwards."""
    path = git_dir.resolve() / f"martflow-index-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield {"GIT_INDEX_FILE": str(path)}
    finally:
        for leftover in (path, path.with_name(path.name + ".lock")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def checked_path(root: Path, path: str) -> str:
    """``path`` relative to the root, refusing anything that leaves the repository."""
    if not path or "\0" in path:
        raise GitError(f"invalid path {path!r}")
    candidate = Path(path) if Path(path).is_absolute() else root / path
    # Resolve the folder but keep the last component, so a symlink is staged as a link.
    parent = candidate.parent.resolve()
    if candidate.name in ("", ".", ".."):
        raise GitError(f"path {path!r} does not name a file inside {root}")
    located = parent / candidate.name
    if not located.is_relative_to(root) or located == root:
        raise GitError(f"path {path!r} is outside the repository {root}")
    if located.is_symlink() and not located.resolve().is_relative_to(root):
        raise GitError(f"path {path!r} is a symlink that leads outside {root}")
    rel = PurePosixPath(located.relative_to(root).as_posix())
    if rel.parts[0] == ".git":
        raise GitError(f"path {path!r} is inside the .git folder")
    return str(rel)
