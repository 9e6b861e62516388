"""martflow's own generic data tests: a mart is not empty; a column's null rate is capped.

No dbt Hub package is needed: the tests' SQL ships with martflow and scaffolding writes it
into the project's first macro folder (``macros/martflow/martflow_checks.sql``), so a
clone of the repo builds without martflow installed. The file is martflow's while it is
unchanged; a team that edits it keeps its version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path, PurePosixPath

from martflow.core.naming import GENERIC_TESTS_FILE as CHECKS_FILE
from martflow.core.naming import NULL_RATE_TEST as NULL_RATE


def checks_sql() -> str:
    """The macros file defining martflow's generic tests."""
    return (files("martflow") / "templates" / "checks" / "martflow_checks.sql").read_text(
        encoding="utf-8"
    )


def checks_path(project_dir: Path) -> str:
    """The tests file's path relative to the project: under dbt_project.yml's first
    ``macro-paths`` entry (``macros`` when it names none or is unreadable)."""
    import yaml

    folder = "macros"
    try:
        config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        config = None
    paths = config.get("macro-paths") if isinstance(config, dict) else None
    if isinstance(paths, list) and paths and isinstance(paths[0], str) and paths[0].strip():
        folder = paths[0].strip().strip("/")
    return str(PurePosixPath(folder) / CHECKS_FILE)


def null_rate_test(max_rate: float) -> dict[str, object]:
    """A column's null-rate test as dbt properties take it (arguments, dbt >= 1.10)."""
    return {NULL_RATE: {"arguments": {"max_rate": max_rate}}}


def checks_are_ours(project_dir: Path, path: str, manifest: Mapping[str, str]) -> bool:
    """The tests file at ``path`` is missing, or holds what martflow wrote (the scaffold
    ``manifest`` says so, or it equals martflow's text): scaffolding may (re)write it."""
    try:
        data = (project_dir / path).read_bytes()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    ours = manifest.get(path) == hashlib.sha256(data).hexdigest()
    return ours or data.decode("utf-8", errors="replace") == checks_sql()
