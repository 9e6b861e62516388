"""`martflow init`: render the repo template into a new folder, atomically, and commit it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from martflow.core.naming import is_project_name
from martflow.core.ports import TemplateRenderer
from martflow.errors import GitError, UsageError
from martflow.project_scaffold.lint_library import write_library

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "repo"

#: The only keys the repo template's context may hold; every value is a checked identifier.
CONTEXT_KEYS = ("repo_dir", "project_name", "tracker_project", "dialect")

#: sqlfluff dialects the template may name (checked without importing sqlfluff).
DIALECTS = frozenset(
    {"duckdb", "postgres", "snowflake", "bigquery", "redshift", "databricks", "sparksql",
     "trino", "athena", "tsql", "mysql", "oracle", "clickhouse"}
)  # fmt: skip

_REPO_DIR_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_TRACKER_RE = re.compile(r"[A-Z][A-Z0-9]{1,19}")
_GIT_IDENTITY = {"user.name": "martflow", "user.email": "martflow@localhost"}
_GIT_IDENTITY_ENV = {
    "user.name": ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"),
    "user.email": ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"),
}


def init_repo(
    target: Path,
    *,
    project_name: str | None = None,
    tracker_project: str = "DEMO",
    dialect: str = "duckdb",
    renderer: TemplateRenderer,
) -> Path:
    """Create a new analytics repo at ``target`` with one commit on ``main``.

    The repo is rendered and committed in a temp folder beside ``target`` and renamed into
    place, so on any failure nothing is left behind.

    Args:
        target: the folder to create; it may exist only if empty.
        project_name: the dbt project name; default: the folder name as an identifier.
        tracker_project: the tracker's project key, e.g. ``DEMO``.
        dialect: the sqlfluff dialect for ``.sqlfluff`` and ``[lint]``.
        renderer: the template engine (cookiecutter, from the composition root).

    Returns:
        The absolute path of the new repo.

    Raises:
        UsageError: a bad name, key or dialect, or ``target`` is not an empty folder.
        ScaffoldError: the template could not be rendered.
        GitError: git could not create the first commit.
    """
    target = Path(target).expanduser().absolute()
    context = render_context(
        target, project_name=project_name, tracker_project=tracker_project, dialect=dialect
    )
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.martflow-init-", dir=target.parent))
    try:
        rendered = renderer.render_repo(TEMPLATE_DIR, context, staging)
        _add_shipped_files(rendered, context["dialect"])
        _git_first_commit(rendered)
        try:
            # rename() onto an empty folder replaces it; onto a non-empty one it fails.
            rendered.replace(target)
        except OSError as exc:
            raise UsageError(f"{target}: cannot create the repo there ({exc.strerror})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def render_context(
    target: Path, *, project_name: str | None, tracker_project: str, dialect: str
) -> dict[str, str]:
    """The validated cookiecutter context: identifiers only, never free text.

    cookiecutter renders every context value as an unsandboxed Jinja template, so each
    value must match a pattern that cannot contain template syntax.
    """
    repo_dir = Path(target).name
    if not _REPO_DIR_RE.fullmatch(repo_dir):
        raise UsageError(
            f"folder name {repo_dir!r} is not usable: use letters, digits, '.', '_' or '-'"
        )
    if project_name is None:
        project_name = slug_identifier(repo_dir)
    if not isinstance(project_name, str) or not is_project_name(project_name):
        raise UsageError(
            f"project name {project_name!r} is not a dbt project name: use lower-case letters,"
            " digits and '_', starting with a letter"
        )
    if not isinstance(tracker_project, str) or not _TRACKER_RE.fullmatch(tracker_project):
        raise UsageError(
            f"tracker project {tracker_project!r} is not a project key like DEMO:"
            " upper-case letters and digits, starting with a letter"
        )
    if dialect not in DIALECTS:
        raise UsageError(f"dialect {dialect!r} is not one of: {', '.join(sorted(DIALECTS))}")
    return {
        "repo_dir": repo_dir,
        "project_name": project_name,
        "tracker_project": tracker_project,
        "dialect": dialect,
    }


def slug_identifier(name: str) -> str:
    """A dbt project name from a folder name: ``My-Analytics.v2`` -> ``my_analytics_v2``."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]
    if not slug:
        return "analytics"
    return slug if slug[0].isalpha() else f"p_{slug}"


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise UsageError(f"{target}: folder is not empty; init needs a new or empty folder")


def _add_shipped_files(repo: Path, dialect: str) -> None:
    """sqlfluff's stand-ins for dbt's Jinja, written as they are (cookiecutter would render
    them); give the CI workflow the requirement martflow installs from."""
    from martflow.project_scaffold.ci_install import install_requirement, workflow_text

    workflow = repo / ".github" / "workflows" / "lint.yml"
    workflow.write_text(
        workflow_text(workflow.read_text(encoding="utf-8"), install_requirement()),
        encoding="utf-8",
    )
    write_library(repo, dialect)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, timeout=120
    )


def _identity_flags(repo: Path) -> list[str]:
    """``-c user.x=...`` for each identity part git has no value for (and only those)."""
    flags: list[str] = []
    for key, fallback in _GIT_IDENTITY.items():
        configured = _git(repo, "config", "--get", key).returncode == 0
        from_env = all(os.environ.get(name) for name in _GIT_IDENTITY_ENV[key])
        if not (configured or from_env):
            flags += ["-c", f"{key}={fallback}"]
    return flags


def _git_first_commit(repo: Path) -> None:
    """``git init -b main`` and one commit of every file .gitignore does not exclude."""
    steps = [
        ("init", "-q", "-b", "main"),
        ("add", "--all"),
    ]
    for args in steps:
        _checked(repo, args)
    _checked(repo, (*_identity_flags(repo), "commit", "-q", "-m", "Initial analytics repo"))


def _checked(repo: Path, args: tuple[str, ...]) -> None:
    try:
        result = _git(repo, *args)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {' '.join(args)} failed: {exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitError(f"git {' '.join(args)} failed: {detail[-1] if detail else 'no output'}")
