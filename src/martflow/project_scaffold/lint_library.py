"""sqlfluff's stand-ins for dbt's ``adapter`` and ``dbt`` macros, written for one dialect.

The jinja templater loads them from ``library_path`` (see templates/sqlfluff_libs). They
are a package, ``sqlfluff_libs``, whose ``__init__`` names the dialect the stand-ins write
for: ``martflow init`` puts one in each new repo, and ``martflow lint`` keeps one per
dialect in its cache for projects whose .sqlfluff names no library of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from martflow.project_scaffold.atomic import atomic_write_text

PACKAGE = "sqlfluff_libs"
"""The folder name ``library_path`` points at (a repo's own, or martflow's cached one)."""
SOURCE = Path(__file__).resolve().parent.parent / "templates" / PACKAGE
_DIALECT_LINE = re.compile(r'^DIALECT = ".*"$', re.MULTILINE)
_DIALECT_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


def write_library(parent: Path, dialect: str) -> Path:
    """Write the stand-in package into ``parent/sqlfluff_libs`` for ``dialect``; returns it.

    Files already holding the same text are left alone (a linter reading them is never
    handed a half-written file: each is replaced atomically).
    """
    if not _DIALECT_NAME.fullmatch(dialect):
        raise ValueError(f"not a sqlfluff dialect name: {dialect!r}")
    package = parent / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for module in sorted(SOURCE.glob("*.py")):
        text = module.read_text(encoding="utf-8")
        if module.name == "__init__.py":
            text = _DIALECT_LINE.sub(f'DIALECT = "{dialect}"', text, count=1)
        target = package / module.name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            atomic_write_text(target, text)
    return package
