"""Ticket text never drives a terminal: escapes, bidi and zero-width characters are shown."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import DataTable, Markdown, Static

from martflow.cli import cli
from martflow.config import Config, Project
from martflow.context import AppContext
from martflow.core.models import PlannedFile
from martflow.core.safe_text import visible
from martflow.core.secret_scan import SecretScanner
from martflow.integrations.tracker.local import LocalTracker
from martflow.secrets import RedactingFilter, SecretStore
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.scaffold_preview import file_view
from tests.cli.repo_support import make_repo
from tests.safety.git_support import git, isolate_git_config
from tests.safety.pipeline_support import KEY, pipeline
from tests.tui.pilot_support import settle

OSC_TITLE = "\x1b]0;owned\x07"
CLEAR = "\x1b[2J\x1b[H"
RLO = "\u202e"
ZWSP = "\u200b"
HOSTILE_SUMMARY = f"Orders {OSC_TITLE}{CLEAR}by{RLO}noiger{ZWSP} region\x9b31m"
RAW = ("\x1b", "\x07", "\x9b", RLO, ZWSP)


def assert_shown_escaped(text: str) -> None:
    assert not any(ch in text for ch in RAW), repr(text)
    for escape in ("\\x1b]0;owned\\x07", "\\x1b[2J", "\\u202e", "\\u200b", "\\x9b31m"):
        assert escape in text


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    root = make_repo(tmp_path / "repo", '[tracker]\nproject = "DEMO"\n')
    monkeypatch.chdir(root)
    tracker = LocalTracker(root / ".martflow" / "tracker.db")
    description = f"Top line {CLEAR}\nsecond line {RLO}x\n" + "word " * 5000
    tracker.create_ticket(HOSTILE_SUMMARY, description)
    return root


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_tickets_and_show_print_escapes_not_control_sequences(repo):
    assert_shown_escaped(invoke("tickets"))
    shown = invoke("show", KEY)
    assert_shown_escaped(shown)
    assert "second line \\u202ex" in shown


def test_show_cuts_a_long_description_with_a_note_and_full_prints_it_all(repo):
    shown = invoke("show", KEY)
    assert "[description cut: " in shown and f"`martflow show {KEY} --full`" in shown
    assert shown.count("word") < 1000
    full = invoke("show", KEY, "--full")
    assert full.count("word") == 5000 and "[description cut" not in full
    document = json.loads(invoke("show", KEY, "--json"))
    assert document["summary"] == HOSTILE_SUMMARY  # JSON carries the data, escaped by JSON


def test_log_lines_show_escapes(repo):
    record = logging.LogRecord(
        "martflow", logging.INFO, __file__, 1, "ticket %s", (HOSTILE_SUMMARY,), None
    )
    RedactingFilter(SecretStore()).filter(record)
    assert_shown_escaped(record.getMessage())


def test_commit_message_and_mart_yaml_carry_no_hidden_characters(tmp_path, monkeypatch):
    isolate_git_config(tmp_path, monkeypatch)
    engine, _tracker, root = pipeline(tmp_path, HOSTILE_SUMMARY, SecretScanner())
    report = engine.run(KEY, only=["start", "scaffold", "commit"], force=True)
    assert report.failed is None, engine.ledger.steps(KEY)
    assert_shown_escaped(git(root, "log", "-1", "--format=%B"))
    assert_shown_escaped((root / "models/marts/_products__models.yml").read_text())


def test_a_custom_commit_message_is_escaped_too(tmp_path, monkeypatch):
    isolate_git_config(tmp_path, monkeypatch)
    engine, _tracker, root = pipeline(tmp_path, "Products", SecretScanner())
    assert engine.run(KEY, only=["start", "scaffold"]).failed is None
    engine.run(
        KEY, only=["commit"], options={"message": f"DEMO-1: {HOSTILE_SUMMARY}\n\nbody"}, force=True
    )
    body = git(root, "log", "-1", "--format=%B")
    assert_shown_escaped(body)
    assert body.startswith("DEMO-1: Orders \\x1b]0;owned\\x07") and "\n\nbody\n" in body


def test_the_scaffold_preview_shows_bidi_and_zero_width_escaped():
    content = f"description: 'paid {RLO}diap{ZWSP}'\n"
    planned = PlannedFile("models/x.yml", content, "update", diff=f"-old\n+{content}")
    for action in ("update", "create"):
        _title, syntax = file_view(PlannedFile(planned.path, content, action, planned.diff))  # type: ignore[arg-type]
        assert "\\u202ediap\\u200b" in syntax.code and RLO not in syntax.code


async def test_the_tui_shows_escapes_in_the_list_title_description_and_log(tmp_path):
    (tmp_path / "config.toml").write_text("")
    empty_context = AppContext(Project(Config(), tmp_path / "config.toml"))
    empty_context.tracker.create_ticket(HOSTILE_SUMMARY, f"Top {CLEAR} {RLO}x")
    app = MartflowApp(empty_context)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#tickets", DataTable)
        assert_shown_escaped(str(table.get_row_at(0)[3]))
        await pilot.press("enter")
        await settle(pilot)
        assert_shown_escaped(str(app.screen.query_one("#ticket-title", Static).render()))
        description = app.screen.query_one("#description", Markdown).source
        assert "\\x1b[2J" in description and "\\u202ex" in description
        app.screen.log_line(f"scaffold: {HOSTILE_SUMMARY}")  # type: ignore[attr-defined]
        logged = "".join(strip.text for strip in app.screen.query_one("#log").lines)  # type: ignore[attr-defined]
        assert_shown_escaped(logged)
    empty_context.close()


def test_visible_is_idempotent_and_keeps_ordinary_text():
    text = "Café \u2013 naïve 日本 emoji 😀 e\u0301\ttab"
    assert visible(text, keep_tabs=True) == text
    once = visible(HOSTILE_SUMMARY)
    assert visible(once) == once
