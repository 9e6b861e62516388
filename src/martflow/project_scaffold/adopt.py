"""`martflow init --existing`: adopt a team's git repo and dbt project, changing no model."""

from __future__ import annotations

import configparser
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from martflow.core.naming import ref_name_problem
from martflow.errors import UsageError
from martflow.project_scaffold.atomic import atomic_write_text
from martflow.project_scaffold.init import TEMPLATE_DIR

SKIPPED_DIRS = frozenset(
    {".git", ".martflow", "dbt_packages", "target", "logs", "node_modules", ".venv", "venv"}
)
DASHBOARDS = "dashboards"
CI_WORKFLOW = ".github/workflows/martflow-lint.yml"
PRE_COMMIT = ".pre-commit-config.yaml"
# dbt adapter type -> sqlfluff dialect, where the names differ or matter.
DIALECTS = {
    "duckdb": "duckdb", "postgres": "postgres", "snowflake": "snowflake",
    "bigquery": "bigquery", "redshift": "redshift", "databricks": "databricks",
    "spark": "sparksql", "trino": "trino", "athena": "athena", "sqlserver": "tsql",
    "fabric": "tsql", "synapse": "tsql", "clickhouse": "clickhouse", "mysql": "mysql",
    "oracle": "oracle", "exasol": "exasol", "teradata": "teradata", "materialize": "materialize",
}  # fmt: skip

Action = Literal["create", "append", "left alone"]


@dataclass(frozen=True)
class AdoptStep:
    """One file adoption writes, or leaves alone and why."""

    path: str
    action: Action
    detail: str
    content: str = ""
    """The new file (create) or the lines to add (append)."""


@dataclass(frozen=True)
class Adoption:
    """What adopting a repo finds and would do."""

    root: Path
    project_dir: str
    settings: dict[str, dict[str, Any]]
    found: list[str] = field(default_factory=list)
    """What was detected and from where, one line each."""
    steps: list[AdoptStep] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "root": str(self.root),
            "project_dir": self.project_dir,
            "settings": self.settings,
            "found": self.found,
            "files": [{"path": s.path, "action": s.action, "detail": s.detail} for s in self.steps],
        }


def plan_adoption(
    directory: Path,
    *,
    project_dir: str | None = None,
    tracker_project: str = "DEMO",
    ci: bool = True,
    pre_commit: bool = True,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Adoption:
    """Detect the repo's dbt project, profile, dialect and default branch; plan the files.

    Raises:
        UsageError: not a git repository; no dbt project, or several without ``project_dir``.
    """
    from martflow.config_file import render_config

    env = os.environ if environ is None else environ
    root = _repo_root(Path(directory))
    project = _project_dir(root, project_dir)
    rel = project.relative_to(root).as_posix() if project != root else "."
    dbt_project = _yaml(project / "dbt_project.yml")
    profile_name = str(dbt_project.get("profile") or "")
    found = [f"dbt project: {rel}/dbt_project.yml (profile {profile_name or '?'})"]
    profiles_dir, profile, where = _profile(root, project, profile_name, env, home or Path.home())
    target = str(profile.get("target") or "")
    outputs = profile.get("outputs") if isinstance(profile.get("outputs"), dict) else {}
    adapter = str((outputs.get(target) or {}).get("type") or "") if outputs else ""
    found.append(
        f"profile: {where}" + (f", target {target} ({adapter})" if target else " (not found)")
    )
    dialect, dialect_note = _dialect(root, project, adapter)
    found.append(f"lint dialect: {dialect_note}")
    branch, branch_note = _default_branch(root)
    found.append(f"default branch: {branch} ({branch_note})")
    model_paths = dbt_project.get("model-paths") or ["models"]
    settings: dict[str, dict[str, Any]] = {
        "tracker": {"project": tracker_project},
        "dbt": {"project_dir": rel, "profiles_dir": profiles_dir, "target": target},
        "scaffold": {"models_dir": str(model_paths[0])},
        "lint": {"dialect": dialect},
        "git": {"default_branch": branch},
        "tableau": {"output_dir": DASHBOARDS},
    }
    notes = {
        "dbt.profiles_dir": f"found {where}",
        "lint.dialect": dialect_note,
        "git.default_branch": branch_note,
    }
    steps = [
        _config_step(root, render_config(settings, notes)),
        _gitignore_step(root, [".martflow/", f"{DASHBOARDS}/"]),
    ]
    if ci:
        steps.append(_ci_step(root, branch))
    if pre_commit:
        steps.append(_pre_commit_step(root))
    return Adoption(root, rel, settings, found, steps)


def apply_adoption(adoption: Adoption) -> list[str]:
    """Write the planned files (atomically); return the paths written."""
    written = []
    for step in adoption.steps:
        target = adoption.root / step.path
        if step.action == "create":
            atomic_write_text(target, step.content)
        elif step.action == "append":
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            separator = "" if not current or current.endswith("\n") else "\n"
            atomic_write_text(target, current + separator + step.content)
        else:
            continue
        written.append(step.path)
    return written


# -- detection -------------------------------------------------------------------------------


def _repo_root(directory: Path) -> Path:
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such folder")
    done = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(
            f"{directory} is not in a git repository; init --existing adopts one "
            "(for a new repo: martflow init)"
        )
    return Path(done.stdout.strip()).resolve()


def _project_dir(root: Path, given: str | None) -> Path:
    if given is not None:
        project = (root / given).resolve()
        if not project.is_relative_to(root) or not (project / "dbt_project.yml").is_file():
            raise UsageError(f"--project-dir {given}: no dbt_project.yml there inside {root}")
        return project
    found = sorted(_dbt_projects(root))
    if not found:
        raise UsageError(f"no dbt_project.yml in {root}; init --existing needs a dbt project")
    if len(found) > 1:
        listed = ", ".join(p.relative_to(root).as_posix() or "." for p in found)
        raise UsageError(f"several dbt projects in {root} ({listed}); pick one with --project-dir")
    return found[0]


def _dbt_projects(root: Path) -> list[Path]:
    projects = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        if "dbt_project.yml" in files:
            projects.append(Path(folder))
    return projects


def _profile(
    root: Path, project: Path, name: str, env: Mapping[str, str], home: Path
) -> tuple[str, dict[str, Any], str]:
    """(profiles_dir as config.toml writes it, the profile, where it was found)."""
    candidates: list[tuple[Path, str]] = [(project, ""), (root, "")]
    if env.get("DBT_PROFILES_DIR"):
        candidates.append((Path(env["DBT_PROFILES_DIR"]), "$DBT_PROFILES_DIR"))
    candidates.append((home / ".dbt", "~/.dbt"))
    for folder, label in candidates:
        profiles = _yaml(folder / "profiles.yml")
        profile = profiles.get(name) if name else None
        if isinstance(profile, dict):
            written = _relative_or(folder, root, label)
            return written, profile, f"{written}/profiles.yml"
    return "~/.dbt", {}, f"no profiles.yml with profile {name!r} (set [dbt] profiles_dir)"


def _relative_or(folder: Path, root: Path, label: str) -> str:
    if folder.resolve().is_relative_to(root):
        return folder.resolve().relative_to(root).as_posix() or "."
    return "~/.dbt" if label == "~/.dbt" else str(folder)


def _dialect(root: Path, project: Path, adapter: str) -> tuple[str | None, str]:
    """None when a .sqlfluff of the repo sets the dialect (martflow then follows it)."""
    folder = project
    while True:
        config = folder / ".sqlfluff"
        if config.is_file():
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(config.read_text(encoding="utf-8"))
            except (configparser.Error, UnicodeDecodeError):
                pass
            else:
                if dialect := parser.get("sqlfluff", "dialect", fallback="").strip():
                    where = config.relative_to(root).as_posix()
                    return None, f"unset: {where} sets {dialect}"
        if folder == root:
            break
        folder = folder.parent
    if adapter in DIALECTS:
        return DIALECTS[adapter], f"from the profile's adapter {adapter}"
    return "ansi", f"ansi: no .sqlfluff dialect and no known dialect for adapter {adapter!r}"


def _default_branch(root: Path) -> tuple[str, str]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    remote_head = git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if remote_head.startswith("origin/"):
        return remote_head.removeprefix("origin/"), "from origin/HEAD"
    current = git("symbolic-ref", "--quiet", "--short", "HEAD")
    if current:
        return current, "the current branch; no origin/HEAD"
    return "main", "no origin/HEAD and a detached HEAD"


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


# -- the files -------------------------------------------------------------------------------


def _config_step(root: Path, text: str) -> AdoptStep:
    if (root / "config.toml").exists():
        return AdoptStep("config.toml", "left alone", "exists; martflow uses it as it is")
    return AdoptStep("config.toml", "create", "martflow's settings, every key documented", text)


def _gitignore_step(root: Path, entries: list[str]) -> AdoptStep:
    missing = [e for e in entries if not _ignored(root, e)]
    if not missing:
        return AdoptStep(".gitignore", "left alone", f"ignores {', '.join(entries)} already")
    lines = "# martflow: local state and the workbooks it writes\n" + "".join(
        f"{e}\n" for e in missing
    )
    return AdoptStep(".gitignore", "append", f"ignore {', '.join(missing)}", lines)


def _ignored(root: Path, entry: str) -> bool:
    probe = entry.rstrip("/") + "/martflow-probe"
    done = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", "--", probe],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _ci_step(root: Path, branch: str) -> AdoptStep:
    workflows = root / ".github" / "workflows"
    existing = sorted(
        p.relative_to(root).as_posix()
        for p in (workflows.glob("*.y*ml") if workflows.is_dir() else [])
    )
    if (root / ".gitlab-ci.yml").exists():
        existing.append(".gitlab-ci.yml")
    if existing:
        return AdoptStep(
            CI_WORKFLOW,
            "left alone",
            f"CI exists ({', '.join(existing)}): add a step running "
            "`martflow lint --changed --format github` (with the full history fetched)",
        )
    if ref_name_problem(branch) is not None:
        return AdoptStep(CI_WORKFLOW, "left alone", f"branch {branch!r} is not a valid name")
    from martflow.project_scaffold.ci_install import install_requirement, workflow_text

    template = TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / ".github" / "workflows" / "lint.yml"
    text = workflow_text(template.read_text(encoding="utf-8"), install_requirement(), branch)
    return AdoptStep(CI_WORKFLOW, "create", "lint the models a pull request changes", text)


def _pre_commit_step(root: Path) -> AdoptStep:
    if (root / PRE_COMMIT).exists():
        return AdoptStep(
            PRE_COMMIT,
            "left alone",
            "exists: add the martflow-lint hook yourself (docs/install.md, pre-commit)",
        )
    text = (TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / PRE_COMMIT).read_text(encoding="utf-8")
    return AdoptStep(PRE_COMMIT, "create", "lint changed models before each commit", text)
