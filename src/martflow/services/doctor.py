"""The `doctor` service: every setup check, each one a pass/fail line.

An adapter with its own checks declares the optional ``doctor()`` capability
(``core.ports.SelfChecking``); the tracker's replace the default tracker checks here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from martflow.core.ports import BiPublisher, PagePublisher, own_checks
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

    def own_templates(self) -> tuple[Path, list[str], list[str]] | None:
        """``[scaffold] templates_dir``, the templates it replaces and those it leaves."""
        ...

    def publisher(self) -> BiPublisher:
        """The configured Tableau publisher (server mode checks itself)."""
        ...

    def pages(self) -> PagePublisher | None:
        """The Confluence publisher, or None without ``[confluence] url``."""
        ...


@dataclass(frozen=True)
class Check:
    """One line of doctor's report."""

    name: str
    ok: bool
    detail: str
    warning: bool = False
    """Passes, but deserves a look (shown as WARN)."""
    skipped: bool = False
    """Not run (shown as SKIP): the detail says why."""

    @property
    def failed(self) -> bool:
        return not self.ok and not self.skipped


CheckFn = Callable[["DoctorPorts"], str]
"""A check: its detail line when it passes; a MartflowError saying why when it fails."""


def run_checks(context: DoctorPorts, extra: Sequence[tuple[str, CheckFn]] = ()) -> list[Check]:
    """Every check, in order; a failing check never stops the others.

    ``extra`` are the front ends' own checks (the TUI's ``[keys]``). A check that needs
    one that failed is skipped, saying which. An adapter with its own ``doctor()`` (Jira,
    Tableau Server) replaces the default checks for it.
    """
    checks: list[tuple[str, CheckFn, str | None]] = [
        ("config", _config, None),
        ("tracker", _tracker, None),
        ("statuses", _statuses, "tracker"),
        ("dbt project", _dbt_project, None),
        ("warehouse", _warehouse, "dbt project"),
        ("git", _git, None),
        ("default branch", _default_branch, "git"),
        ("tableau", _tableau, None),
        ("templates", _templates, None),
        *((name, check, None) for name, check in extra),
    ]
    if context.project.config.confluence.url:
        checks.append(("confluence", _confluence, None))
    results: list[Check] = []
    tracker_checks = _adapter_checks("tracker", lambda: context.tracker)
    if tracker_checks is not None:
        checks = [c for c in checks if c[0] not in ("tracker", "statuses")]
        results.extend(tracker_checks)
    for name, check, needs in checks:
        if name == "tableau" and context.project.config.tableau.mode == "server":
            results.extend(_adapter_checks("tableau", context.publisher) or [])
            continue
        failed = next((c for c in results if c.name == needs and c.failed), None)
        if failed is not None:
            results.append(Check(name, False, f"{failed.name} failed", skipped=True))
            continue
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


def _adapter_checks(name: str, adapter: Callable[[], object]) -> list[Check] | None:
    """The adapter's own ``doctor()`` lines (ok None: skipped); None without the capability."""
    try:
        lines = own_checks(adapter())
    except MartflowError as exc:
        return [Check(name, False, exc.message)]
    if lines is None:
        return None
    return [Check(n, bool(ok), detail, skipped=ok is None) for n, ok, detail in lines]


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


def _confluence(context: DoctorPorts) -> str:
    """The space (and parent page) can be read with the configured token."""
    pages = context.pages()
    if pages is None:
        raise MartflowError("[confluence] url is not set")
    name = pages.check()
    confluence = context.project.config.confluence
    under = f" under page {confluence.parent}" if confluence.parent else ""
    return f"{confluence.url}: space {confluence.space} ({name}) readable{under}"


def _tableau(context: DoctorPorts) -> str:
    """Local mode: the output folder is writable (server mode: the publisher's doctor)."""
    out = context.project.output_dir
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise MartflowError(f"{out} is not writable")
    return f"local mode, workbooks go to {out}"


def _templates(context: DoctorPorts) -> str:
    """``[scaffold] templates_dir``: usable, and which templates it replaces."""
    found = context.own_templates()
    if found is None:
        return "martflow's own (no [scaffold] templates_dir)"
    folder, own, builtin = found
    rest = f"; {', '.join(builtin)}: martflow's" if builtin else ""
    return f"{folder}: {', '.join(own)}{rest}"
