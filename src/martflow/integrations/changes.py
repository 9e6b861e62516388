"""What a branch changed: the base it is compared with, its files and its lines.

The base is found the way CI checkouts allow (detached HEAD, remote-tracking branches only,
shallow history): ``--base``, then the CI's target-branch variable, then ``[git]
default_branch`` (local, else on the remote), then the remote's HEAD.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from martflow.errors import UsageError

CI_BASE_VARIABLES = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
"""Where GitHub Actions and GitLab CI name a pull/merge request's target branch."""
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


@dataclass(frozen=True)
class Base:
    """The commit a branch is compared with."""

    ref: str
    """The ref as resolved: ``develop``, ``origin/develop``, a sha..."""
    merge_base: str
    """The sha where HEAD's history meets the base's."""
    found_by: str
    """What named it: ``--base``, ``GITHUB_BASE_REF``, ``[git] default_branch``, ``origin/HEAD``."""


def find_base(
    root: Path,
    *,
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
    default_branch: str = "main",
    remote: str = "origin",
) -> Base:
    """The base of HEAD's changes, in the documented order.

    Raises:
        UsageError: no candidate resolves (naming what was tried), or the clone is shallow
            and lacks the base or its history (saying what to fetch).
    """
    env = environ or {}
    git = _Git(root)
    if explicit:
        return _authoritative(git, explicit, "--base", remote)
    for variable in CI_BASE_VARIABLES:
        if env.get(variable, "").strip():
            return _authoritative(git, env[variable].strip(), f"${variable}", remote)
    tried = []
    for name, found_by in (
        (default_branch, "[git] default_branch"),
        (f"{remote}/HEAD", f"{remote}/HEAD"),
    ):
        ref = git.branch(name, remote) if found_by != f"{remote}/HEAD" else git.commit(name)
        if ref is not None:
            return Base(ref, git.merge_base(ref, name, remote), found_by)
        tried.append(f"{name} ({found_by})")
    if git.shallow():
        raise UsageError(_fetch_hint(default_branch, remote, "is not in this shallow clone"))
    raise UsageError(
        f"lint --changed: no base branch found (tried {', '.join(tried)} and "
        f"{remote}/{default_branch}); pass --base REF or set [git] default_branch"
    )


def branch_ref(root: Path, name: str, remote: str = "origin") -> str | None:
    """The local branch ``name``, else ``<remote>/<name>``; None if neither exists."""
    return _Git(root).branch(name, remote)


def changed_files(root: Path, base: Base) -> list[str]:
    """Files that differ from the base (committed or not) and untracked ones, that exist."""
    git = _Git(root)
    changed = set(git.names("diff", "--name-only", "-z", base.merge_base))
    changed.update(git.names("ls-files", "-z", "--others", "--exclude-standard"))
    return sorted(p for p in changed if (root / p).is_file())


def changed_lines(root: Path, base: Base, paths: Sequence[str]) -> dict[str, set[int] | None]:
    """Per path, the line numbers (of the file as it is now) changed since the base.

    None means every line: the file is new (untracked, or added since the base).
    """
    git = _Git(root)
    result: dict[str, set[int] | None] = {}
    for path in paths:
        known = git.run("cat-file", "-e", f"{base.merge_base}:{path}")[0] == 0
        if not known:
            result[path] = None
            continue
        _, diff, _ = git.run(
            "diff", "-U0", "--no-color", "--no-ext-diff", base.merge_base, "--", path
        )
        lines: set[int] = set()
        for match in _HUNK.finditer(diff):
            start, count = int(match.group(1)), int(match.group(2) or 1)
            lines.update(range(start, start + count))
        result[path] = lines
    return result


def _authoritative(git: _Git, name: str, found_by: str, remote: str) -> Base:
    """A base the user or the CI named: it resolves, or the run stops saying why."""
    if name.startswith("-"):
        raise UsageError(f"invalid base ref {name!r} (from {found_by})")
    ref = git.branch(name, remote) or git.commit(name)
    if ref is None:
        if git.shallow():
            raise UsageError(
                _fetch_hint(name, remote, f"(from {found_by}) is not in this shallow clone")
            )
        raise UsageError(f"lint --changed: unknown base ref {name!r} (from {found_by})")
    return Base(ref, git.merge_base(ref, name, remote), found_by)


def _fetch_hint(name: str, remote: str, problem: str) -> str:
    branch = name.removeprefix(f"{remote}/")
    return (
        f"lint --changed: the base {name} {problem}; fetch it first: git fetch --unshallow "
        f"{remote} +refs/heads/{branch}:refs/remotes/{remote}/{branch} "
        "(GitHub Actions: actions/checkout with fetch-depth: 0)"
    )


class _Git:
    """The git CLI in one work tree."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str) -> tuple[int, str, str]:
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.root, capture_output=True, text=True, check=False
            )
        except OSError as exc:
            raise UsageError(f"cannot run git: {exc}") from exc
        return done.returncode, done.stdout, done.stderr

    def names(self, *args: str) -> list[str]:
        code, out, err = self.run(*args)
        if code != 0:
            raise UsageError(f"git {args[0]} failed in {self.root}: {err.strip()}")
        return [name for name in out.split("\0") if name]

    def commit(self, ref: str) -> str | None:
        """``ref`` if it names a commit here."""
        code, _, _ = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return ref if code == 0 else None

    def branch(self, name: str, remote: str) -> str | None:
        """The local branch ``name``, else ``<remote>/<name>``; None if neither exists."""
        for ref, full in (
            (name, f"refs/heads/{name}"),
            (f"{remote}/{name}", f"refs/remotes/{remote}/{name}"),
        ):
            if self.run("show-ref", "--verify", "--quiet", full)[0] == 0:
                return ref
        return None

    def shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository")[1].strip() == "true"

    def merge_base(self, ref: str, name: str, remote: str = "origin") -> str:
        code, out, _ = self.run("merge-base", ref, "HEAD")
        if code == 0:
            return out.strip()
        if self.shallow():
            raise UsageError(
                _fetch_hint(name, remote, "shares no history with HEAD in this shallow clone")
            )
        raise UsageError(f"lint --changed: {ref} shares no history with HEAD in {self.root}")
