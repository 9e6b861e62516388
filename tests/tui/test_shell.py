"""The app shell driven by a pilot: ticket list, ticket screen, dialogs, keys, outbox, palette."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Markdown, Static

from martflow.context import AppContext
from martflow.core.models import StepState
from martflow.errors import RemoteUnavailableError
from martflow.project_scaffold.demo import DEMO_TICKETS
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.error import ErrorDialog
from martflow.tui.dialogs.help import HelpScreen
from martflow.tui.keys import REMAPPABLE_IDS, binding_ids, remappable_ids
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.screens.tickets import TicketListScreen
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.widgets.steps import StepList
from tests.fakes.memory_tracker import MemoryTracker
from tests.tui.pilot_support import settle

SIZE = (120, 36)


def file_demo_tickets(context: AppContext) -> None:
    """DEMO-1 (valid spec), DEMO-2 (valid), DEMO-3 (spec with a typo)."""
    for ticket in DEMO_TICKETS:
        context.tracker.create_ticket(ticket.summary, ticket.description)


def keyed_context(tmp_path: Path, keys: str) -> AppContext:
    """A project whose config.toml has this `[keys]` table, loaded the real way."""
    root = tmp_path / "keyed"
    root.mkdir()
    (root / "config.toml").write_text(f"[keys]\n{keys}\n")
    context = AppContext.load(root / "config.toml")
    file_demo_tickets(context)
    return context


def text(widget: Static) -> str:
    return str(widget.render())


def rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def help_rows(app: MartflowApp) -> list[tuple[str, str, str]]:
    assert isinstance(app.screen, HelpScreen)
    return [tuple(row) for row in rows(app.screen.query_one("#help-keys", DataTable))]  # type: ignore[misc]


async def open_ticket(pilot: Pilot[int], key: str) -> TicketScreen:
    """From the loaded list, highlight ``key`` and press Enter."""
    table = pilot.app.screen.query_one("#tickets", DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TicketScreen) and screen.key == key
    return screen


# -- the ticket list ----------------------------------------------------------------------


async def test_filter_narrows_rows_as_you_type_and_survives_a_reload(empty_context):
    file_demo_tickets(empty_context)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#tickets", DataTable)
        status = screen.query_one("#status-line", Static)
        assert table.row_count == 3 and text(status) == "3 tickets"

        await pilot.press("slash", *"cust")
        assert screen.query_one("#filter", Input).has_focus
        assert [r[0] for r in rows(table)] == ["DEMO-1"]
        assert text(status) == "1 of 3 tickets match"

        await pilot.press("backspace", "backspace", "backspace", "backspace", *"demo")
        assert table.row_count == 3
        assert text(status) == "3 of 3 tickets match"

        # A reload (a new ticket filed meanwhile) keeps the filter, and typing still filters.
        empty_context.tracker.create_ticket("Customer churn flags")
        await pilot.press("enter", "r")
        await settle(pilot)
        await pilot.press("slash", "space", *"cust")
        assert sorted(r[0] for r in rows(table)) == ["DEMO-1", "DEMO-4"]
        assert text(status) == "2 of 4 tickets match"

        await pilot.press("escape")
        assert table.row_count == 4 and text(status) == "4 tickets"


async def test_enter_opens_the_ticket_with_its_spec_and_marks_the_next_step(empty_context):
    file_demo_tickets(empty_context)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, "DEMO-1")
        assert text(screen.query_one("#ticket-title", Static)) == (
            "DEMO-1 · To Do · Customer lifetime value"
        )
        description = screen.query_one("#description", Markdown).source
        assert description.startswith("Finance wants lifetime value per customer")
        spec = text(screen.query_one("#spec", Static))
        assert "Spec (from the description): fact fct_customer_orders" in spec
        assert "dashboard   Customer lifetime value" in spec
        assert not screen.query_one("#spec", Static).has_class("-invalid")

        steps = screen.query_one(StepList)
        assert steps.has_focus
        assert steps.next_step == "start" and steps.selected_step == "start"
        assert [r[2] for r in rows(steps)] == ["next", *["pending"] * 6]
        assert steps.get_row("start")[1].style == "bold"
        assert str(steps.get_row("scaffold")[1]) == "scaffold"


async def test_invalid_spec_shows_its_problems(empty_context):
    file_demo_tickets(empty_context)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, "DEMO-3")
        spec = screen.query_one("#spec", Static)
        assert spec.has_class("-invalid")
        assert text(spec).startswith("Spec does not validate")
        assert "grian" in text(spec)


async def test_ticket_text_is_not_read_as_markup(empty_context):
    empty_context.tracker.create_ticket("Revenue [draft] by [/region]", "Split [b]net[/b] revenue")
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#tickets", DataTable)
        assert str(table.get_row("DEMO-1")[3]) == "Revenue [draft] by [/region]"
        await pilot.press("slash", *"[draft]")
        assert table.row_count == 1
        await pilot.press("enter", "enter")
        await settle(pilot)
        title = app.screen.query_one("#ticket-title", Static)
        assert text(title) == "DEMO-1 · To Do · Revenue [draft] by [/region]"


async def test_failing_start_step_opens_an_error_dialog_then_progress_shows(empty_context):
    file_demo_tickets(empty_context)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, "DEMO-2")
        await pilot.press("n")
        await settle(pilot)

        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert dialog.error_title == "The start step failed"
        assert "is not a git repository" in dialog.error_message
        assert text(dialog.query_one("#error-message", Static)) == dialog.error_message
        steps = screen.query_one(StepList)
        assert steps.states["start"] is StepState.FAILED
        assert empty_context.ledger.step("DEMO-2", "start").state is StepState.FAILED

        await pilot.press("escape")
        assert app.screen is screen and app.is_running
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
        table = app.screen.query_one("#tickets", DataTable)
        assert str(table.get_row("DEMO-2")[2]) == "0/7 start failed"
        assert str(table.get_row("DEMO-1")[2]) == "0/7"


async def test_after_a_run_the_screen_shows_the_reports_states_without_reading_again(
    empty_context, monkeypatch
):
    import martflow.services.tickets as tickets

    file_demo_tickets(empty_context)
    reads: list[str] = []
    real = tickets.ticket_view
    monkeypatch.setattr(
        tickets, "ticket_view", lambda ports, key: reads.append(key) or real(ports, key)
    )
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, "DEMO-2")
        assert reads == ["DEMO-2"]
        await pilot.press("n")
        await settle(pilot)

        assert reads == ["DEMO-2"]  # the run's report, not a second read, updated the screen
        assert screen.view is not None
        assert [r.name for r in screen.view.steps if r.state is StepState.FAILED] == ["start"]
        assert screen.query_one(StepList).states["start"] is StepState.FAILED
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.error_title == "The start step failed"


# -- help and keys -----------------------------------------------------------------------


async def test_help_lists_the_keys_of_the_screen_below(empty_context):
    file_demo_tickets(empty_context)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        listed = help_rows(app)
        assert ("/", "Filter", "filter") in listed
        assert ("r", "Refresh", "refresh") in listed
        assert ("s", "Sync", "sync") in listed
        assert ("q", "Quit", "quit") in listed
        await pilot.press("escape")
        assert isinstance(app.screen, TicketListScreen)

        await open_ticket(pilot, "DEMO-1")
        await pilot.press("question_mark")
        listed = help_rows(app)
        assert ("n", "Run next", "run_next") in listed
        assert ("a", "Run all", "run_all") in listed
        assert ("esc", "Tickets", "back") in listed
        assert ("/", "Filter", "filter") not in listed


async def test_remapped_key_runs_and_shows_in_help(tmp_path):
    # Dialogs' bindings are remappable too: close_dialog is a known id, not a config error.
    context = keyed_context(tmp_path, 'run_next = "ctrl+n"\nclose_dialog = "ctrl+w"')
    app = MartflowApp(context)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_ticket(pilot, "DEMO-1")
            await pilot.press("n")  # the old key does nothing now
            await settle(pilot)
            assert context.ledger.step("DEMO-1", "start").state is StepState.PENDING

            await pilot.press("question_mark")
            listed = help_rows(app)
            assert ("^n", "Run next", "run_next") in listed
            assert not any(row[2] == "run_next" and row[0] == "n" for row in listed)
            await pilot.press("ctrl+w")
            assert app.screen is screen

            await pilot.press("ctrl+n")
            await settle(pilot)
            assert context.ledger.step("DEMO-1", "start").state is StepState.FAILED
            assert isinstance(app.screen, ErrorDialog)
            assert screen.query_one(StepList).states["start"] is StepState.FAILED
            await pilot.press("ctrl+w")
            assert app.screen is screen
    finally:
        context.close()


async def test_unknown_binding_id_is_an_error_dialog_not_a_crash(tmp_path):
    context = keyed_context(tmp_path, 'run_nxt = "ctrl+n"')
    app = MartflowApp(context)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ErrorDialog)
            assert dialog.error_title == "Configuration error"
            assert "run_nxt" in dialog.error_message
            assert "did you mean 'run_next'?" in dialog.error_message
            await pilot.press("enter")
            assert isinstance(app.screen, TicketListScreen) and app.is_running
            assert app.screen.query_one("#tickets", DataTable).row_count == 3
            # The default keys still work.
            await pilot.press("question_mark")
            assert ("r", "Refresh", "refresh") in help_rows(app)
    finally:
        context.close()


# -- the outbox --------------------------------------------------------------------------


async def test_queued_updates_show_on_every_screen_and_s_delivers_them(empty_context):
    tracker = MemoryTracker()
    empty_context.__dict__["tracker"] = tracker
    file_demo_tickets(empty_context)
    # One refusal that asks for a long wait: no retry sleeps, the comment is queued at once.
    down = RemoteUnavailableError("tracker down", applied=False, retry_after=3600)
    tracker.fail_next("add_comment", 1, down)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        list_screen = app.screen
        list_bar = list_screen.query_one(OutboxBar)
        assert text(list_bar) == "Tracker up to date"

        screen = await open_ticket(pilot, "DEMO-1")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)  # the start step failed: not a git repo
        await pilot.press("escape")

        queued = "1 tracker update queued (tracker down) - press s to sync"
        assert text(screen.query_one(OutboxBar)) == queued
        assert text(list_bar) == queued  # the screen below is kept current too
        assert screen.query_one(OutboxBar).has_class("-queued")
        assert tracker.comments("DEMO-1") == []

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is list_screen and text(list_bar) == queued
        other = await open_ticket(pilot, "DEMO-2")  # a new screen starts with the count
        assert text(other.query_one(OutboxBar)) == queued
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("s")
        await settle(pilot)
        assert text(list_bar) == "Tracker up to date"
        assert not list_bar.has_class("-queued")
        [comment] = tracker.comments("DEMO-1")
        assert "is not a git repository" in comment.body
        assert empty_context.ledger.outbox(open_only=True) == []

        reopened = await open_ticket(pilot, "DEMO-1")
        assert text(reopened.query_one(OutboxBar)) == "Tracker up to date"


async def test_a_sync_that_crashes_does_not_leave_the_bar_syncing(empty_context):
    tracker = MemoryTracker()
    empty_context.__dict__["tracker"] = tracker
    file_demo_tickets(empty_context)
    tracker.fail_next("add_comment", 1, RemoteUnavailableError("down", retry_after=3600))
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_ticket(pilot, "DEMO-1")
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        tracker.fail_next("add_comment", 1, RuntimeError("tracker client bug"))
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert "RuntimeError: tracker client bug" in app.screen.error_message
        await pilot.press("escape")
        bar = app.screen.query_one(OutboxBar)
        assert not app.syncing
        assert text(bar) == "1 tracker update queued (down) - press s to sync"
        await pilot.press("s")  # a second sync is not refused
        await settle(pilot)
        assert text(bar) == "Tracker up to date"


# -- the command palette -----------------------------------------------------------------


async def test_palette_runs_the_next_step(empty_context):
    file_demo_tickets(empty_context)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, "DEMO-1")
        await pilot.press("ctrl+p", *"Run next")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert empty_context.ledger.step("DEMO-1", "start").state is StepState.FAILED
        assert screen.query_one(StepList).states["start"] is StepState.FAILED
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.error_title == "The start step failed"


async def test_a_crash_in_a_screen_worker_opens_the_error_dialog(empty_context) -> None:
    """Worker.StateChanged does not bubble: the ticket screen forwards its crash to the app."""
    file_demo_tickets(empty_context)
    tracker = empty_context.tracker

    class BrokenTicket:
        def __getattr__(self, name):
            return getattr(tracker, name)

        def get_ticket(self, key):
            raise RuntimeError(f"tracker exploded reading {key}")

    empty_context.__dict__["tracker"] = BrokenTicket()
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.error_title == "Something went wrong"
        assert "tracker exploded reading DEMO-" in app.screen.error_message
        assert app.is_running


def test_the_tui_guide_lists_every_remappable_key() -> None:
    """docs/tui.md documents each binding id `[keys]` accepts."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "tui.md").read_text()
    missing = sorted(i for i in remappable_ids() if f"| `{i}` |" not in doc)
    assert not missing, missing


async def test_an_update_the_tracker_refuses_opens_a_dialog_with_its_reason(tmp_path):
    from martflow.errors import RemoteRejectedError
    from tests.cli.repo_support import make_repo

    root = make_repo(tmp_path / "repo", "")
    context = AppContext.load(root / "config.toml")
    tracker = MemoryTracker()
    context.__dict__["tracker"] = tracker
    file_demo_tickets(context)
    refusal = "cannot move DEMO-1 to 'In Progress': 'Start' needs Resolution (resolution)"
    tracker.fail_next("transition", 1, RemoteRejectedError(refusal))
    app = MartflowApp(context)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_ticket(pilot, "DEMO-1")
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, ErrorDialog)
            assert app.screen.error_message == refusal
            assert screen.query_one(StepList).states["start"] is StepState.SUCCEEDED
            assert len(tracker.comments("DEMO-1")) == 1  # the PM still hears about it
    finally:
        context.close()


def test_the_remappable_ids_are_every_id_the_screens_declare() -> None:
    """`[keys]` is checked against a written-out list (the first frame loads no other screen);
    it must name exactly the binding ids the app, its screens, dialogs and widgets declare."""
    owners = (MartflowApp, TicketListScreen, TicketScreen, ErrorDialog, HelpScreen)
    assert binding_ids(*owners, *TicketScreen.KEYED) == REMAPPABLE_IDS
