"""The `doctor` service: every setup check, each one a pass/fail line.

An adapter with its own checks declares the optional ``doctor()`` capability
(``core.ports.SelfChecking``); the tracker's replace the default tracker checks here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from martflow.core.ports import own_checks
from martflow.errors import MartflowError
from martflow.services.ports import (
    HasDbt,
    HasProject,
    HasRepository,
    HasTracker,
    HasWarehouse,
)


class DoctorPorts(HasProject, HasTracker, HasDbt, HasWarehouse, HasRepository, Protocol):
    """Everything doctor looks at; the composition root also pings and resolves refs."""

    def ping_warehouse(self) -> str:
        """``select 1`` through the profile's adapter."""
        ...

    def default_branch_ref(self) -> str | None:
        """``[git] default_branch`` as a ref that exists, or None."""
        ...


@dataclass(frozen=True)
class Check:
    """One line of doctor's report."""

    name: str
    ok: bool
    detail: str
    warning: bool = False
    """Passes, but deserves a look (shown as WARN)."""


def run_checks(context: DoctorPorts) -> list[Check]:
    """Every check, in order; a failing check never stops the others."""
    checks: list[tuple[str, Callable[[DoctorPorts], str]]] = [
        ("config", _config),
        ("tracker", _tracker),
        ("statuses", _statuses),
        ("dbt project", _dbt_project),
        ("warehouse", _warehouse),
        ("git", _git),
        ("default branch", _default_branch),
        ("tableau", _tableau),
    ]
    results = []
    tracker_checks = _tracker_checks(context)
    if tracker_checks is not None:
        checks = [c for c in checks if c[0] not in ("tracker", "statuses")]
        results.extend(tracker_checks)
    for name, check in checks:
        try:
            results.append(Check(name, True, check(context)))
        except MartflowError as exc:
            results.append(Check(name, False, exc.message))
        except OSError as exc:
            results.append(Check(name, False, str(exc)))
    results.extend(dotenv_checks(context))
    return results


def dotenv_checks(context: HasProject) -> list[Check]:
    """A warning per ``.env`` file dbt would load (none when there is none)."""
    from martflow.config import DOTENV_WARNING

    return [
        Check(".env", True, f"{path}: {DOTENV_WARNING}", warning=True)
        for path in context.project.dotenv_files()
    ]


def _tracker_checks(context: DoctorPorts) -> list[Check] | None:
    """The tracker's own checks (Jira: reachability, authentication, project, statuses).

    None when the tracker has no ``doctor()``: the default checks below apply.
    """
    try:
        lines = own_checks(context.tracker)
    except MartflowError as exc:
        return [Check("tracker", False, exc.message)]
    return None if lines is None else [Check(name, ok, detail) for name, ok, detail in lines]


def _config(context: DoctorPorts) -> str:
    path = context.project.config_path
    if path is None:
        raise MartflowError("no config.toml found here or above; run `martflow init`")
    return str(path)


def _tracker(context: DoctorPorts) -> str:
    tracker = context.tracker
    count = len(tracker.list_tickets(context.project.config.tracker.jql or None))
    return f"{context.project.config.tracker.kind} tracker reachable, {count} tickets"


def _statuses(context: DoctorPorts) -> str:
    available = {s.lower() for s in context.tracker.statuses()}
    wanted = context.project.config.tracker.statuses.model_dump()
    missing = sorted({v for v in wanted.values() if v and v.lower() not in available})
    if missing:
        raise MartflowError(f"not in the project's workflow: {', '.join(missing)}")
    return "every status in [tracker.statuses] exists"


def _dbt_project(context: DoctorPorts) -> str:
    project = context.project.dbt_project_dir / "dbt_project.yml"
    profiles = context.project.dbt_profiles_dir / "profiles.yml"
    for path in (project, profiles):
        if not path.is_file():
            raise MartflowError(f"missing {path}")
    return f"{project.parent} (profiles in {profiles.parent})"


def _warehouse(context: DoctorPorts) -> str:
    """The project parses and the warehouse answers through the profile."""
    # The warm dbt worker parses the project and connects as every later step will.
    answered = context.ping_warehouse()
    index = context.dbt().project_index()
    models = sum(n.kind == "model" for n in index.nodes)
    seeds = sum(n.kind == "seed" for n in index.nodes)
    found = context.warehouse().relation_columns([s.relation for s in index.sources])
    present = sum(cols is not None for cols in found)
    sources = f"{present} of {len(index.sources)} declared source tables present"
    if not index.sources:
        sources = "no sources declared yet"
    return f"{answered}; dbt parses {index.name}: {models} models, {seeds} seeds; {sources}"


def _default_branch(context: DoctorPorts) -> str:
    git = context.project.config.git
    ref = context.default_branch_ref()
    if ref is None:
        raise MartflowError(
            f"[git] default_branch {git.default_branch!r} is neither a local branch nor "
            f"{git.remote}/{git.default_branch}; lint --changed compares against it"
        )
    return f"{ref} (lint --changed compares against it)"


def _git(context: DoctorPorts) -> str:
    if shutil.which("git") is None:
        raise MartflowError("git is not installed")
    root = context.project.root
    branch = context.repository().current_branch()
    identity = subprocess.run(
        ["git", "-C", str(root), "config", "user.email"],
        capture_output=True,
        text=True,
        check=False,
    )
    if not identity.stdout.strip():
        raise MartflowError("no git identity: set user.name and user.email")
    return f"on branch {branch}"


def _tableau(context: DoctorPorts) -> str:
    tableau = context.project.config.tableau
    if tableau.mode == "local":
        out = context.project.output_dir
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise MartflowError(f"{out} is not writable")
        return f"local mode, workbooks go to {out}"
    if not tableau.server_url or not tableau.token_name:
        raise MartflowError("server mode needs [tableau] server_url and token_name")
    from martflow.secrets import SECRETS

    if not SECRETS.get("TABLEAU_TOKEN_SECRET"):
        raise MartflowError(SECRETS.how_to_set("TABLEAU_TOKEN_SECRET"))
    return f"server mode, {tableau.server_url}"
