"""Fixtures for TUI tests: a pinned clock, contexts on an empty project or the demo repo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from martflow.config import Config, Project
from martflow.context import AppContext
from tests.scaffold_tools import RENDERER

DEMO_ROWS = 300
"""Small synthetic shop: the demo pipeline builds in a few seconds."""


@pytest.fixture
def empty_context(tmp_path: Path) -> Iterator[AppContext]:
    """A project with a local tracker and nothing else (no dbt project, no git)."""
    (tmp_path / "config.toml").write_text("")
    context = AppContext(Project(Config(), tmp_path / "config.toml"))
    yield context
    context.close()


@pytest.fixture
def demo_context(tmp_path: Path) -> Iterator[AppContext]:
    """The `martflow demo` repo (git, dbt-duckdb, synthetic shop) with its tickets filed."""
    from martflow.project_scaffold.demo import DEMO_TICKETS, prepare_repo

    root, _created = prepare_repo(tmp_path / "demo", DEMO_ROWS, 7, renderer=RENDERER)
    context = AppContext.load(root / "config.toml")
    for ticket in DEMO_TICKETS:
        context.tracker.create_ticket(ticket.summary, ticket.description)
    yield context
    context.close()


@pytest.fixture
def snap_compare(snap_compare, monkeypatch):  # type: ignore[no-untyped-def]
    """pytest-textual-snapshot's snap_compare with no blinking cursors and no animations.

    A focused Input or TextArea toggles its cursor every half second, so a loaded machine
    could take the picture with or without it: the toggles are switched off, and a focused
    field always shows its cursor. Animations are off too: a tab switch slides the tab
    underline for 0.3 s, and a loaded machine took pictures with it half-way.
    """
    from textual import constants
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(constants, "TEXTUAL_ANIMATIONS", "none")

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    return snap_compare
