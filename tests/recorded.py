"""Recorded material from real servers (../shared/ext) and what loopback servers received."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXT = Path(__file__).resolve().parents[1].parent / "shared" / "ext"
"""The recordings, beside the project (CI has the same layout); see its README.md."""


def ext_path(*parts: str) -> Path:
    """A recorded file or folder under ../shared/ext; fails loudly (never skips) if missing."""
    path = EXT.joinpath(*parts)
    if not path.exists():
        raise AssertionError(
            f"recorded material is missing: {path} (expected ../shared/ext next to the "
            "project, see its README.md); these tests need it and do not skip"
        )
    return path


@dataclass(frozen=True)
class Received:
    """One request as a loopback server saw it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
