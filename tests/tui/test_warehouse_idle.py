"""While the TUI sits on a ticket, the user's own tools can write to the DuckDB warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, TabbedContent

from martflow.project_scaffold.demo import WAREHOUSE_FILE
from martflow.tui.app import MartflowApp
from tests.integrations.test_warehouse_idle import assert_writable
from tests.tui.pilot_support import open_ticket, settle

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tui_dbt")]

KEY = "DEMO-1"


def users_dbt_build(project: Path, select: str) -> subprocess.CompletedProcess[str]:
    """`dbt build` in its own process, as the user would run it beside the TUI."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [str(dbt), "build", "--select", select, "--profiles-dir", str(project),
         "--target-path", str(project / "target-user"), "--log-path", str(project / "logs-user")],
        cwd=project, capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


async def test_an_idle_ticket_screen_holds_no_lock_on_the_warehouse(demo_context) -> None:
    report = demo_context.engine().run(KEY, until_step="build")
    assert report.failed is None and report.ran[-1] == "build", report
    project = demo_context.project.dbt_project_dir
    database = demo_context.project.root / WAREHOUSE_FILE
    app = MartflowApp(demo_context)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_ticket(pilot, KEY)
        screen.query_one("#views", TabbedContent).active = "tab-preview"
        await settle(pilot)
        rows = screen.query_one("#preview").query_one(DataTable)
        assert rows.row_count > 0  # read through the worker, which is now idle

        assert_writable(database, "users_own_table")
        done = users_dbt_build(project, "fct_customer_orders")
        assert done.returncode == 0, done.stdout[-2000:]

        # The TUI reads again afterwards: the worker opens the file anew.
        rows.clear(columns=True)
        await pilot.press("p")
        await settle(pilot)
        assert rows.row_count > 0
        assert_writable(database, "after_the_reload")
