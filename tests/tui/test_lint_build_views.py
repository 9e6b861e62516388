"""The Lint and Build tabs on the real demo, and cancelling a running build from the keyboard."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable, RichLog, Static, TabbedContent

from martflow.context import AppContext
from martflow.core.models import StepState
from martflow.core.workflow.events import StepProgress
from martflow.services.step_results import BuiltNode
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.lint_fix import LintFixDialog
from martflow.tui.messages import PipelineEvent, PipelineFinished
from martflow.tui.panels.build import cells
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.widgets.steps import StepList
from tests.tui.pilot_support import settle

SIZE = (120, 40)
KEY = "DEMO-1"
MART = "fct_customer_orders"
MART_FILE = f"models/marts/{MART}.sql"
MODELS = [
    "stg_shop__orders",
    "stg_shop__customers",
    "stg_shop__payments",
    "int_customer_orders__joined",
    MART,
]
SPIN = (
    "where (\n"
    "    select count(*) from range(1000000) as a (i)\n"
    "    cross join range(1000000) as b (j) where (a.i + b.j) % 7 = 3\n"
    ") >= 0\n"
)
"""A filter that costs DuckDB hours (10^12 rows): the build runs until it is cancelled."""


async def open_ticket(pilot: Pilot[int]) -> TicketScreen:
    await settle(pilot)
    screen = TicketScreen(KEY)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def run(pilot: Pilot[int], screen: TicketScreen, steps: list[str], **options: object):
    screen.start_run(steps, options)
    await settle(pilot)


def rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text(widget: Static) -> str:
    return str(widget.render())


def log_lines(screen: TicketScreen) -> list[str]:
    return [line.text for line in screen.query_one("#log", RichLog).lines]


async def ended_or_unstuck(finished: asyncio.Event, context: AppContext) -> None:
    """Wait for the run's end; if the cancel did not work, kill dbt so the test fails, not hangs."""
    try:
        await asyncio.wait_for(finished.wait(), timeout=60)
    except TimeoutError:
        pid = context.dbt().pid
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        raise


def project_root(context: AppContext) -> Path:
    return context.project.dbt_project_dir


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_lint_tab_lists_a_violation_and_f_fixes_it(demo_context: AppContext):
    mart = project_root(demo_context) / MART_FILE
    app = MartflowApp(demo_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot)
        await run(pilot, screen, ["start", "scaffold", "lint"])
        summary = screen.query_one("#lint-summary", Static)
        table = screen.query_one("#lint-table", DataTable)
        assert text(summary) == "5 files clean"
        assert table.row_count == 0

        clean = mart.read_text()
        mart.write_text(clean.replace("select", "SELECT", 1))
        await run(pilot, screen, ["lint"], fix=False)

        assert app.screen is screen  # findings stay in the tab: no dialog
        assert screen.query_one("#views", TabbedContent).active == "tab-lint"
        # The table fits its width: a long path keeps its file name, a message gives way.
        [[file, line, code, message]] = rows(table)
        assert file.endswith(Path(MART_FILE).name) and MART_FILE.endswith(file.lstrip("…"))
        assert (line, code) == ("1", "CP01") and message.startswith("Keywords must be")
        assert text(summary) == "1 violation in 1 file"
        assert mart.read_text() != clean

        dirty = mart.read_bytes()
        screen.query_one(StepList).focus()  # f works from anywhere on the ticket screen
        dialog = await fix_dialog(pilot)
        # The dialog shows sqlfluff's fix as a diff before anything is written.
        shown = dialog.query_one("#lint-fix-diff", Static).content.code  # type: ignore[union-attr]
        assert f"--- a/{MART_FILE}" in shown and "-SELECT" in shown and "+select" in shown
        await pilot.press("n")  # Cancel
        await settle(pilot)
        assert app.screen is screen
        assert mart.read_bytes() == dirty  # byte for byte: nothing written
        assert demo_context.ledger.step(KEY, "lint").state is StepState.FAILED

        await fix_dialog(pilot)
        await pilot.press("y")  # Apply
        await until_idle(pilot, screen)

        assert app.screen is screen
        assert table.row_count == 0
        assert text(summary) == "5 files clean, 1 fixed"
        assert mart.read_text() == clean
        assert demo_context.ledger.step(KEY, "lint").state is StepState.SUCCEEDED


async def fix_dialog(pilot: Pilot[int]) -> LintFixDialog:
    """Press f and wait for sqlfluff's answer in the fix dialog."""
    await pilot.press("f")
    for _ in range(600):
        if isinstance(pilot.app.screen, LintFixDialog):
            break
        await pilot.pause(0.05)
    await settle(pilot)
    assert isinstance(pilot.app.screen, LintFixDialog)
    return pilot.app.screen


async def until_idle(pilot: Pilot[int], screen: TicketScreen) -> None:
    """Wait for the apply flow and the lint run it starts."""
    for _ in range(600):
        await settle(pilot)
        if not screen.running and not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.pause(0.05)


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_build_tab_lists_models_then_tests_with_row_counts(demo_context: AppContext):
    app = MartflowApp(demo_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot)
        await run(pilot, screen, ["start", "scaffold", "lint", "build"])

        assert screen.query_one("#views", TabbedContent).active == "tab-build"
        table = screen.query_one("#build-table", DataTable)
        listed = rows(table)
        assert [str(c.label) for c in table.columns.values()] == [
            "Node",
            "Type",
            "Status",
            "Time (s)",
            "Rows",
        ]
        models, tests = listed[: len(MODELS)], listed[len(MODELS) :]
        assert sorted(row[0] for row in models) == sorted(MODELS)
        assert {(row[1], row[2]) for row in models} == {("model", "success")}
        # Grain (2), relationships (2), accepted_values on the three categories the
        # scaffold's profile found (orders.status, customers.country,
        # payments.payment_method), the mart has rows, each dimension and measure's null rate.
        assert len(tests) == 12
        assert {(row[1], row[2], row[4]) for row in tests} == {("test", "pass", "")}
        assert f"{MART} has rows" in [row[0] for row in tests]
        assert f"customer_id is unique in {MART}" in [row[0] for row in tests]
        assert any(r[0].startswith("last_name is empty in at most 50% of") for r in tests)
        assert all(float(row[3]) >= 0 for row in listed)
        # Each model's rows, checked against what dbt shows of the built relation.
        dbt = demo_context.dbt()
        for name, *_rest, shown_rows in models:
            _columns, data = dbt.show(name, limit=100_000)
            assert shown_rows == f"{len(data):,}", name
        mart_rows = int(table.get_row(f"model.{MART}")[4].plain.replace(",", ""))
        summary = text(screen.query_one("#build-summary", Static))
        assert summary == f"5 models built, 12/12 tests passed; {MART} has {mart_rows:,} rows"
        assert not any(
            cell.style for row in range(table.row_count) for cell in table.get_row_at(row)
        )


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_ui_stays_responsive_during_a_build_and_x_cancels_it(demo_context: AppContext):
    mart = project_root(demo_context) / MART_FILE
    started, finished = asyncio.Event(), asyncio.Event()

    def hook(message: Message) -> None:
        if isinstance(message, PipelineEvent) and isinstance(message.event, StepProgress):
            if "START" in message.event.message and MART in message.event.message:
                started.set()
        elif isinstance(message, PipelineFinished):
            finished.set()

    app = MartflowApp(demo_context)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        screen = await open_ticket(pilot)
        await run(pilot, screen, ["start", "scaffold", "lint"])
        comments_before = len(demo_context.tracker.get_ticket(KEY).comments)
        fast = mart.read_text()
        mart.write_text(fast.replace("group by", f"{SPIN}group by", 1))

        finished.clear()
        screen.start_run(["build"], {})
        await asyncio.wait_for(started.wait(), timeout=120)  # dbt is inside the slow model
        worker = screen.run_worker_
        assert worker is not None

        steps = screen.query_one(StepList)
        tabs = screen.query_one("#views", TabbedContent)
        row, tab = steps.cursor_row, tabs.active
        await pilot.press("down")
        await pilot.press("tab", "right")
        await pilot.pause()
        assert steps.cursor_row == row + 1
        assert tabs.active != tab
        assert worker.is_running  # the keys took effect while the build ran
        assert steps.states["build"] is StepState.RUNNING

        await pilot.press("x")
        # Textual marks a cancelled thread worker done at once; the engine's thread ends
        # when dbt is killed and posts PipelineFinished.
        await ended_or_unstuck(finished, demo_context)
        await settle(pilot)

        assert not worker.is_running
        assert app.screen is screen  # a cancel is not an error dialog
        assert steps.states["build"] is StepState.FAILED
        assert steps.details["build"] == "cancelled by the user"
        record = demo_context.ledger.step(KEY, "build")
        assert (record.state, record.detail) == (StepState.FAILED, "cancelled by the user")
        log = log_lines(screen)
        assert any(line.endswith("build: failed - cancelled by the user") for line in log)
        assert any(line.endswith("run cancelled") for line in log)
        assert text(screen.query_one("#build-summary", Static)) == "cancelled by the user"
        assert len(demo_context.tracker.get_ticket(KEY).comments) == comments_before
        assert "build" not in {entry.step for entry in demo_context.ledger.outbox(KEY)}

        # The next build gets a fresh dbt worker and works.
        mart.write_text(fast)
        await run(pilot, screen, ["build"])
        assert steps.states["build"] is StepState.SUCCEEDED
        assert screen.query_one("#build-table", DataTable).row_count == 17  # 5 models, 12 checks


def test_failing_nodes_are_red_and_cells_are_not_markup() -> None:
    failing = cells(BuiltNode("[b]not_null_x[/b]", "test", "fail", 0.25, None))
    passing = cells(BuiltNode("fct_x", "model", "success", 1.5, 12345))
    assert {str(cell.style) for cell in failing} == {"red"}
    assert [cell.plain for cell in failing] == ["[b]not_null_x[/b]", "test", "fail", "0.25", ""]
    assert {str(cell.style) for cell in passing} == {""}
    assert [cell.plain for cell in passing] == ["fct_x", "model", "success", "1.50", "12,345"]
    check = BuiltNode(
        "martflow_null_rate_fct_x_email__0_1",
        "test",
        "fail",
        0.1,
        None,
        "email is empty in at most 10% of the rows in fct_x",
        "fail: 37 of 200 rows empty (18.5%)",
    )
    assert [cell.plain for cell in cells(check)][:3] == [
        "email is empty in at most 10% of the rows in fct_x: 37 of 200 rows empty (18.5%)",
        "test",
        "fail",
    ]
    stale = BuiltNode(
        "shop.orders", "source", "warn", 0.1, None, "shop.orders was synced", "warn: 2 days"
    )
    assert str(cells(stale)[2].style) == "yellow"
