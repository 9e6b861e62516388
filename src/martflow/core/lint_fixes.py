"""What a lint fix would change: each file's text before and after, as a unified diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class FileFix:
    """sqlfluff's fix of one file, not yet written."""

    path: str
    """The file, relative to the dbt project (as lint reports it)."""
    before: str
    """The file's text when the fix was computed; applying refuses if it changed since."""
    after: str
    encoding: str = "utf-8"
    violations: int = 0
    """Findings in the file before the fix."""

    def diff(self) -> str:
        """The change as a unified diff (``a/`` and ``b/`` paths, 3 lines of context)."""
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{self.path}",
                f"b/{self.path}",
            )
        )


def fixes_summary(fixes: tuple[FileFix, ...] | list[FileFix]) -> str:
    """``3 files would change (12 findings)``-style one line."""
    files = len(fixes)
    found = sum(f.violations for f in fixes)
    noun = "file" if files == 1 else "files"
    return f"{files} {noun} would change ({found} finding{'' if found == 1 else 's'} before)"
