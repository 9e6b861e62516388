"""No surprises (issue 18): irreversible work asks first, keys say when they do not apply,
dialogs show their own keys, number keys switch tabs, `[keys]` mistakes cost nothing else."""

from __future__ import annotations

import asyncio

from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Footer, TabbedContent

from martflow.context import AppContext
from martflow.core.models import StepState
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.commit import CommitDialog
from martflow.tui.dialogs.confirm import ConfirmDialog
from martflow.tui.dialogs.error import ErrorDialog
from martflow.tui.dialogs.help import HelpScreen
from martflow.tui.dialogs.lint_fix import LintFixDialog
from martflow.tui.keys import DEFAULT_KEYS, bindings_by_id, keymap
from martflow.tui.messages import PipelineFinished
from martflow.tui.panels import PANELS
from martflow.tui.screens.spec_editor import SpecEditorScreen
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.screens.tickets import TicketListScreen
from martflow.tui.widgets.source_tree import SourceTree
from martflow.tui.widgets.spec_form import SpecForm
from tests.tui.pilot_support import open_ticket, settle

SIZE = (120, 40)


def notices(messages: list[Message]) -> list[str]:
    return [m.notification.message for m in messages if isinstance(m, Notify)]


def succeed(context: AppContext, *steps: str) -> None:
    for step in steps:
        context.ledger.mark_running("DEMO-1", step)
        context.ledger.finish_step("DEMO-1", step, StepState.SUCCEEDED, "ok", {})


async def test_run_all_asks_once_before_it_would_commit_or_publish(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "commit and publish" in dialog.message
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and not screen.running
    assert {r.state for r in empty_context.ledger.steps("DEMO-1")} == {StepState.PENDING}


async def test_run_all_runs_without_asking_when_commit_and_publish_are_done(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    succeed(empty_context, "commit", "publish")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, "DEMO-1")
        await pilot.press("a")
        await settle(pilot)
        assert not any(isinstance(s, ConfirmDialog) for s in app.screen_stack)
    # The run happened: start ran (and failed, there is no git repo here).
    assert empty_context.ledger.step("DEMO-1", "start").state is StepState.FAILED


async def test_quitting_during_a_run_asks_then_cancels_and_quits(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        screen.run_worker_ = screen.run_worker(asyncio.sleep(30), group="pipeline")
        screen.running_step = "build"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and app.return_code is None
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.run_worker_.is_cancelled and app.return_code is None
        screen.post_message(PipelineFinished("DEMO-1", None))  # the engine has wound down
        await pilot.pause()
        assert app.return_code == 0


async def test_quitting_when_nothing_runs_does_not_ask(empty_context):
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_leaving_the_spec_editor_with_unsaved_edits_asks(empty_context):
    empty_context.tracker.create_ticket("Orders by month", "no spec here")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        ticket = await open_ticket(pilot, "DEMO-1")
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, SpecEditorScreen)
        await pilot.press("escape")  # nothing edited: closes at once
        await settle(pilot)
        assert app.screen is ticket

        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, SpecEditorScreen)
        await pilot.press(*"orders")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is editor
        assert editor.query_one(SpecForm).input_for("mart").value == "orders"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is ticket


async def test_a_key_that_does_not_apply_is_hidden_and_says_why(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    seen: list[Message] = []
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        assert screen.check_action("lint_fix", ()) is False  # not in the footer
        assert screen.check_action("cancel", ()) is False
        shown = {b.binding.action for b in screen.active_bindings.values()}
        assert "lint_fix" not in shown and "help" in shown
        assert screen.check_action("run_next", ()) is True
        await pilot.press("f")
        await pilot.press("x")
        await settle(pilot)
        assert notices(seen)[-2:] == [
            "Nothing to fix yet: run the scaffold step first.",
            "Nothing is running.",
        ]
        assert app.screen is screen
    assert {r.state for r in empty_context.ledger.steps("DEMO-1")} == {StepState.PENDING}


async def test_every_dialog_shows_its_own_keys(empty_context):
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialogs = [
            CommitDialog("DEMO-1", ["a.sql"], "DEMO-1: x", push=False, remote="origin"),
            ConfirmDialog("Sure?", "It cannot be undone.", "Do it"),
            ErrorDialog("Oops", "It broke."),
            HelpScreen(app.screen),
        ]
        for dialog in dialogs:
            await app.push_screen(dialog)
            await pilot.pause()
            assert dialog.query_one(Footer).display
            own = {b.binding.id for b in dialog.active_bindings.values() if b.node is dialog}
            assert own, type(dialog).__name__
            app.pop_screen()
            await pilot.pause()


async def test_number_keys_switch_tabs(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        views = screen.query_one("#views", TabbedContent)
        for number, panel in enumerate(PANELS, start=1):
            await pilot.press(str(number))
            await pilot.pause()
            assert views.active == f"tab-{panel.ID}"


async def test_the_palette_lists_every_action_once(empty_context):
    empty_context.tracker.create_ticket("Customer lifetime value")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        titles = [command.title for command in app.get_system_commands(screen)]
        assert len(titles) == len(set(titles)), titles
        for wanted in ("Edit spec of DEMO-1", "Fix lint", "Preview the mart", "Key bindings"):
            assert wanted in titles
        assert "Keys" not in titles


def test_an_unknown_binding_id_is_named_and_the_other_remaps_apply() -> None:
    result = keymap({"run_nxt": "ctrl+n", "run_all": "ctrl+r"})
    assert result.keys == {"run_all": "ctrl+r"}
    assert result.problems == ["[keys] run_nxt: no such key binding; did you mean 'run_next'?"]


def test_a_remap_onto_a_taken_key_is_refused_naming_the_binding_that_has_it() -> None:
    result = keymap({"run_all": "s", "reload": "ctrl+l"})
    assert result.keys == {"reload": "ctrl+l"}
    assert result.problems == [
        "[keys] run_all = 's': s is already sync everywhere; pick another key "
        "(that remap is not applied)"
    ]
    taken = keymap({"run_next": "e"})
    assert taken.keys == {}
    assert "e is already edit_spec on the ticket screen" in taken.problems[0]
    assert keymap({"run_next": "e", "edit_spec": "ctrl+e"}).problems == []  # a swap is fine


async def test_a_bad_keys_entry_opens_one_dialog_and_the_good_ones_work(tmp_path):
    (tmp_path / "config.toml").write_text('[keys]\nrun_nxt = "ctrl+n"\nrefresh = "ctrl+l"\n')
    context = AppContext.load(tmp_path / "config.toml")
    try:
        app = MartflowApp(context)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ErrorDialog)
            assert "run_nxt" in dialog.error_message
            await pilot.press("escape")
            list_screen = app.screen
            assert isinstance(list_screen, TicketListScreen)
            keys = {b.binding.id: key for key, b in list_screen.active_bindings.items()}
            assert keys["refresh"] == "ctrl+l"
    finally:
        context.close()


def test_the_written_out_keys_are_the_keys_the_classes_declare() -> None:
    """`[keys]` is checked against DEFAULT_KEYS (no screen imported); it must match."""
    owners = {
        "app": [MartflowApp],
        "the ticket list": [TicketListScreen],
        "the ticket screen": [TicketScreen],
        "the spec editor": [SpecEditorScreen, SourceTree],
        "the error dialog": [ErrorDialog],
        "the keys dialog": [HelpScreen],
        "the commit dialog": [CommitDialog],
        "a confirmation": [ConfirmDialog, LintFixDialog],
    }
    from martflow.tui.dialogs.confirm_publish import ConfirmPublishDialog
    from martflow.tui.dialogs.scaffold_preview import ScaffoldPreviewDialog

    owners["the publish dialog"] = [ConfirmPublishDialog]
    owners["the scaffold preview"] = [ScaffoldPreviewDialog]
    declared = {
        scope: {k: v for owner in classes for k, v in bindings_by_id(owner).items()}
        for scope, classes in owners.items()
    }
    assert declared == DEFAULT_KEYS
