"""GitPython adapter: branch per ticket, stage exactly the files a step wrote, commit, push."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

import git

from martflow.core.naming import ref_name_problem
from martflow.core.secret_scan import SecretScanner
from martflow.errors import (
    GitError,
    HookRefusedError,
    NothingToCommitError,
    RemoteUnavailableError,
)
from martflow.integrations.git_guards import (
    checked_path,
    executable_hooks,
    hook_output,
    refuse_dotenv,
    refuse_secrets,
    temporary_index,
)
from martflow.integrations.git_process import first_line, is_transient, run_git
from martflow.secrets import SECRETS

__all__ = ["GitRepository", "NothingToCommitError", "first_line"]

TRAILER_KEY = "Martflow-Run"
PUSH_TIMEOUT = 120.0

# Pathspecs are literal so a file named "*.sql" never stages every model.
_LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase (or git am)"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
)


class GitRepository:
    """The analytics repository (``core.ports.Repository``) driven through the git CLI.

    ``root`` must be the top of a work tree. Every git failure surfaces as a
    GitError (or RemoteUnavailableError for an unreachable remote), never as a
    GitPython exception.
    """

    def __init__(
        self,
        root: Path,
        *,
        push_timeout: float = PUSH_TIMEOUT,
        pass_env: Sequence[str] = (),
        scanner: SecretScanner | None = None,
    ) -> None:
        try:
            self._repo = git.Repo(root, search_parent_directories=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(f"{root} is not a git repository") from None
        except git.GitError as exc:
            raise GitError(f"cannot open the git repository at {root}: {exc}") from None
        if self._repo.bare or self._repo.working_tree_dir is None:
            self._repo.close()
            raise GitError(f"{root} is a bare git repository; martflow needs a work tree")
        self.root = Path(self._repo.working_tree_dir).resolve()
        self.push_timeout = push_timeout
        self.pass_env = tuple(pass_env)
        """Variables from ``[git] pass_env`` that git and its hooks may see."""
        self.scanner = scanner or SecretScanner(SECRETS.named_values)
        """What every commit is checked with: nothing holding a secret is committed."""

    @classmethod
    def init(
        cls,
        root: Path,
        initial_paths: Sequence[str] = (),
        message: str = "Initial commit",
        *,
        identity: tuple[str, str] | None = None,
    ) -> Self:
        """``git init -b main`` in ``root`` and make the first commit.

        Commits ``initial_paths`` if given, else everything not ignored. ``identity``
        (name, email) is written to the repository's config when given, for machines
        with no global git identity.
        """
        if cls.is_repository(root):
            raise GitError(f"{root} is already a git repository")
        try:
            git.Repo.init(root, mkdir=True, initial_branch="main").close()
        except (git.GitError, OSError) as exc:
            raise GitError(f"cannot create a git repository at {root}: {exc}") from None
        repo = cls(root)
        if identity is not None:
            repo._run("config", "user.name", identity[0])
            repo._run("config", "user.email", identity[1])
        if initial_paths:
            rels = [checked_path(repo.root, p) for p in initial_paths]
            refuse_dotenv(rels)
            repo._refuse_ignored(rels)
            repo._run("add", "--", *rels, env=_LITERAL)
        else:
            repo._run("add", "--all")
        repo._run("commit", "--allow-empty", "-m", message)
        return repo

    @staticmethod
    def is_repository(root: Path) -> bool:
        """True if ``root`` is the top of a git work tree."""
        try:
            git.Repo(root, search_parent_directories=False).close()
        except (git.GitError, OSError):
            return False
        return True

    def close(self) -> None:
        """Stop GitPython's helper processes."""
        self._repo.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------

    def current_branch(self) -> str:
        """The checked-out branch; GitError on a detached HEAD."""
        status, out, _ = self._exec("symbolic-ref", "--quiet", "--short", "HEAD")
        if status != 0:
            raise GitError(f"HEAD is detached in {self.root}; check out a branch first")
        return out.strip()

    def head_sha(self) -> str:
        """The sha HEAD points at; GitError if the repository has no commits."""
        status, out, _ = self._exec("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        if status != 0:
            raise GitError(f"{self.root} has no commits yet")
        return out.strip()

    def dirty_paths(self, untracked: bool = True) -> list[str]:
        """Modified, staged and (unless ``untracked`` is False) untracked-not-ignored paths."""
        mode = "all" if untracked else "no"
        out = self._run("status", "--porcelain=v1", "-z", f"--untracked-files={mode}")
        entries = out.split("\0")
        paths: list[str] = []
        i = 0
        while i < len(entries):
            entry = entries[i]
            i += 1
            if len(entry) < 4:
                continue
            paths.append(entry[3:])
            if entry[0] in "RC":
                # A rename/copy entry is followed by its original path.
                if i < len(entries) and entries[i]:
                    paths.append(entries[i])
                i += 1
        return paths

    def is_clean(self) -> bool:
        """True if nothing is modified, staged or untracked (ignored files do not count)."""
        return not self.dirty_paths()

    def find_commit(self, run_marker: str) -> str | None:
        """The newest commit on HEAD whose message has the line ``Martflow-Run: <marker>``."""
        trailer = _trailer(run_marker)
        if not self._has_commits():
            return None
        out = self._run(
            "log",
            "--no-show-signature",
            "--fixed-strings",
            f"--grep={trailer}",
            "--format=%H%x00%B%x1e",
            "HEAD",
        )
        for record in out.split("\x1e"):
            sha, _, body = record.strip("\n").partition("\0")
            if sha and any(line.strip() == trailer for line in body.splitlines()):
                return sha
        return None

    # -- changes -----------------------------------------------------------------

    def start_branch(self, name: str, allowed_dirty: Sequence[str] = ()) -> str:
        """Check out ``name`` (created from HEAD if missing); return it.

        Refuses a detached HEAD, an operation in progress, and modified or staged
        tracked files outside ``allowed_dirty`` (root-relative paths; a folder covers
        everything under it). Untracked files are accepted: nothing commits them, and
        git itself refuses a switch that would overwrite one.
        """
        problem = ref_name_problem(name)
        if problem is not None:
            raise GitError(f"{name!r} is not a valid branch name: {problem}")
        self._refuse_unsafe_state()
        current = self.current_branch()
        if current == name:
            return name
        if not self._has_commits():
            raise GitError(f"{self.root} has no commits yet; commit something before branching")
        allowed = [checked_path(self.root, p) for p in allowed_dirty]
        blocking = [p for p in self.dirty_paths(untracked=False) if not _covered(p, allowed)]
        if blocking:
            shown = ", ".join(blocking[:5]) + (
                f" (+{len(blocking) - 5} more)" if len(blocking) > 5 else ""
            )
            raise GitError(
                f"uncommitted changes in {self.root}: {shown}; commit or stash them first"
            )
        if self._branch_exists(name):
            self._run("switch", "--no-guess", name)
        else:
            self._run("switch", "--no-track", "-c", name)
        return name

    def commit(self, paths: Sequence[str], message: str, run_marker: str) -> str:
        """Commit exactly ``paths`` with a ``Martflow-Run`` trailer; return the sha.

        A commit already carrying ``run_marker`` on this branch is returned instead
        of committing again. Paths must be inside the repository and not ignored.
        The commit is built in a temporary index (HEAD plus ``paths``), so hooks run
        and may reformat and re-add files; afterwards the real index holds exactly
        what was committed for ``paths`` and whatever else the user had staged.
        Raises NothingToCommitError (a GitError) when none of the paths differ from
        HEAD, and HookRefusedError when a hook stops the commit.
        """
        trailer = _trailer(run_marker)
        existing = self.find_commit(run_marker)
        if existing is not None:
            return existing
        if not paths:
            raise GitError("no paths to commit")
        self._refuse_unsafe_state()
        rels = list(dict.fromkeys(checked_path(self.root, p) for p in paths))
        refuse_dotenv(rels)
        self._refuse_ignored(rels)
        present = [p for p in rels if (self.root / p).exists() or (self.root / p).is_symlink()]
        missing = [p for p in rels if p not in present]
        tracked = (
            set(self._names("ls-files", "-z", "--cached", "--", *missing, env=_LITERAL))
            if missing
            else set()
        )
        unknown = [p for p in missing if p not in tracked]
        if unknown:
            raise GitError(f"cannot commit {unknown[0]}: no such file in {self.root}")
        refuse_secrets(self.scanner, self.root, present, message)
        has_commits = self._has_commits()
        with temporary_index(Path(self._repo.git_dir)) as index:
            literal_index = {**index, **_LITERAL}
            self._run("read-tree", *(["HEAD"] if has_commits else ["--empty"]), env=index)
            if present:
                self._run("add", "--", *present, env=literal_index)
            if missing:
                self._run("rm", "--cached", "--quiet", "--", *missing, env=literal_index)
            if has_commits:
                differs = self._exec(
                    "diff", "--cached", "--quiet", "HEAD", "--", *rels, env=literal_index
                )
                if differs[0] == 0:
                    raise NothingToCommitError(
                        f"nothing to commit for {', '.join(rels)}: they match HEAD"
                    )
            # The CLI, not index.commit(), so hooks and commit signing apply.
            status, out, err = self._exec(
                "commit", "-m", f"{message.rstrip()}\n\n{trailer}\n", env=index
            )
        if status != 0:
            self._commit_failed(out, err)
        # The real index: what was committed for our paths (a hook may have changed
        # them), everything else the user had staged left as it was.
        self._run("reset", "--quiet", "HEAD", "--", *rels, env=_LITERAL)
        return self.head_sha()

    def _commit_failed(self, out: str, err: str) -> None:
        status, hooks_path, _ = self._exec("rev-parse", "--git-path", "hooks")
        hooks = executable_hooks(self.root / hooks_path.strip()) if status == 0 else []
        if hooks:
            raise HookRefusedError(hooks, hook_output(out + err))
        raise GitError(f"git commit failed in {self.root}: {first_line(err)}")

    def push(self, remote: str) -> None:
        """Push the current branch to ``remote`` (a name or URL) and set its upstream."""
        if not remote or remote.startswith("-"):
            raise GitError(f"invalid git remote {remote!r}")
        branch = self.current_branch()
        status, _, err = self._exec(
            "push",
            "--set-upstream",
            remote,
            f"refs/heads/{branch}:refs/heads/{branch}",
            env=self._push_env(),
            timeout=self.push_timeout,
        )
        if status == 0:
            return
        reason = first_line(err)
        text = f"push of {branch} to {remote} failed: {reason}"
        if is_transient(err):
            raise RemoteUnavailableError(text, applied=None)
        raise GitError(text)

    # -- helpers -------------------------------------------------------------------

    def _exec(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, str, str]:
        return run_git(self.root, args, env=env, pass_env=self.pass_env, timeout=timeout)

    def _run(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        status, out, err = self._exec(*args, env=env)
        if status != 0:
            raise GitError(f"git {args[0]} failed in {self.root}: {first_line(err)}")
        return out

    def _names(self, *args: str, env: Mapping[str, str] | None = None) -> list[str]:
        return [name for name in self._run(*args, env=env).split("\0") if name]

    def _branch_exists(self, name: str) -> bool:
        return self._exec("show-ref", "--verify", "--quiet", f"refs/heads/{name}")[0] == 0

    def _has_commits(self) -> bool:
        return self._exec("rev-parse", "--verify", "--quiet", "HEAD^{commit}")[0] == 0

    def _refuse_unsafe_state(self) -> None:
        git_dir = Path(self._repo.git_dir)
        for marker, operation in _IN_PROGRESS:
            if (git_dir / marker).exists():
                raise GitError(
                    f"{operation} is in progress in {self.root}; finish or abort it first"
                )
        self.current_branch()

    def _refuse_ignored(self, rels: Sequence[str]) -> None:
        # One path per call: check-ignore's -z needs --stdin, and a handful of paths is cheap.
        for rel in rels:
            status, _, err = self._exec("check-ignore", "--quiet", "--", rel)
            if status == 0:
                raise GitError(f"path {rel} is ignored by .gitignore; refusing to commit it")
            if status != 1:
                raise GitError(f"git check-ignore failed for {rel}: {first_line(err)}")

    def _push_env(self) -> dict[str, str]:
        # Never wait for a password prompt nobody can see, nor on a stalled transfer.
        env = {"GIT_TERMINAL_PROMPT": "0"}
        for key, value in (("GIT_HTTP_LOW_SPEED_LIMIT", "1000"), ("GIT_HTTP_LOW_SPEED_TIME", "60")):
            if key not in os.environ:
                env[key] = value
        if (
            "GIT_SSH_COMMAND" not in os.environ
            and self._exec("config", "--get", "core.sshCommand")[0] != 0
        ):
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=30"
        return env


def _trailer(run_marker: str) -> str:
    marker = run_marker.strip()
    if not marker or any(ord(c) < 0o40 or ord(c) == 0o177 for c in marker):
        raise GitError(f"invalid run marker {run_marker!r}: it must be one non-empty line")
    return f"{TRAILER_KEY}: {marker}"


def _covered(path: str, allowed: Sequence[str]) -> bool:
    return any(path == a or path.startswith(a.rstrip("/") + "/") for a in allowed)
