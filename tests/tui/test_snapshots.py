"""Snapshot tests: what each screen and dialog looks like at 80x24, 120x40 and 200x60.

At 80x24 every tab title, every dialog button and the footer's `? Keys` must be on
screen; at every size numbers are whole and columns fit their content.

Regenerate after a deliberate change to the look (then review the SVGs in the diff):

    .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update

The ticket screen's pictures change whenever a tab is added; they live in
``TestTicketScreenSnapshots`` so they can be regenerated alone:

    .venv/bin/pytest "tests/tui/test_snapshots.py::TestTicketScreenSnapshots" --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from time import monotonic

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent, Tabs
from textual.widgets._tabs import Underline

from martflow.config import Config, Project, TableauConfig
from martflow.context import AppContext
from martflow.core.lint_fixes import FileFix
from martflow.core.models import STEP_NAMES, PlannedFile, ScaffoldPlan, StepOutcome, StepState
from martflow.core.reports import BuildReport, LintReport, LintViolation, NodeResult
from martflow.core.workflow.events import StepProgress, StepStarted
from martflow.core.workflow.outcomes import build_outcome, lint_outcome
from martflow.errors import RemoteUnavailableError
from martflow.project_scaffold.demo import DEMO_TICKETS
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.lint_fix import LintFixDialog
from martflow.tui.dialogs.scaffold_preview import ScaffoldPreviewDialog
from martflow.tui.panels.base import TicketPanel
from martflow.tui.panels.build import BuildPanel
from martflow.tui.panels.lineage import LineagePanel
from martflow.tui.panels.lint import LintPanel
from martflow.tui.panels.publish import PublishPanel
from martflow.tui.panels.scaffold import ScaffoldPanel
from martflow.tui.screens import ticket_runs as ticket_screen
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.widgets.steps import StepList
from tests.tui.pilot_support import settle

SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """Each picture is taken at a small, a laptop and a large terminal."""
    return request.param


OUTPUT_DIR = "/srv/dashboards"
"""Where workbooks go: absolute, since a path under tmp_path would differ on every run."""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[AppContext]:
    """An empty project in a folder named `shop`, so the title bar is the same on every run."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "config.toml").write_text("")
    config = Config(tableau=TableauConfig(output_dir=OUTPUT_DIR))
    context = AppContext(Project(config, root / "config.toml"))
    yield context
    context.close()


@pytest.fixture
def filed(shop: AppContext) -> AppContext:
    """The demo's three tickets: DEMO-1 and DEMO-2 with valid specs, DEMO-3 with a typo."""
    for ticket in DEMO_TICKETS:
        shop.tracker.create_ticket(ticket.summary, ticket.description)
    return shop


def opened(key: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    """A run_before that opens ``key`` from the loaded ticket list."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        table = pilot.app.screen.query_one("#tickets", DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await settle(pilot)

    return run_before


def on_tab(key: str, panel: type[TicketPanel]) -> Callable[[Pilot[int]], Awaitable[None]]:
    """A run_before that opens ``key`` and shows ``panel``'s tab."""

    async def run_before(pilot: Pilot[int]) -> None:
        await opened(key)(pilot)
        tabs = pilot.app.screen.query_one("#views", TabbedContent)
        tabs.active = f"tab-{panel.ID}"
        await settle(pilot)

    return run_before


def running_step(key: str, step: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    """A run_before that opens ``key`` and runs ``step`` through its flow (dialog first)."""

    async def run_before(pilot: Pilot[int]) -> None:
        await opened(key)(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TicketScreen)
        screen.action_run_step(step)
        await settle(pilot)

    return run_before


async def until(pilot: Pilot[int], ready: Callable[[], bool]) -> None:
    """Settle, then wait (bounded) for what a worker fills in after the first settle."""
    await settle(pilot)
    for _ in range(400):
        if ready():
            break
        await pilot.pause(0.05)
    await settle(pilot)


def status_lines(pilot: Pilot[int]) -> list[str]:
    """The ticket list's status line on every screen of the stack (dialogs cover it)."""
    return [
        str(line.content)
        for screen in pilot.app.screen_stack
        for line in screen.query("#status-line").results(Static)
    ]


async def list_loaded(pilot: Pilot[int]) -> None:
    """A run_before: the ticket list has finished loading (even under a dialog)."""

    def loaded() -> bool:
        lines = status_lines(pilot)
        return bool(lines) and not any("Loading tickets" in line for line in lines)

    await until(pilot, loaded)
    await repaint_stack(pilot)


async def repaint_stack(pilot: Pilot[int]) -> None:
    """Repaint every screen: one under a dialog is composited from its last paint."""
    for screen in pilot.app.screen_stack:
        screen.refresh(repaint=True)
    pilot.app.refresh(repaint=True)
    await pilot.pause()
    await settle(pilot)


def underlines_in_place(pilot: Pilot[int]) -> bool:
    """Every tab strip's underline sits under its active tab (it moves after a refresh)."""
    for screen in pilot.app.screen_stack:
        for tabs in screen.query(Tabs).results(Tabs):
            active = tabs.active_tab
            if active is None:
                continue
            start, end = active.virtual_region.shrink(active.styles.gutter).column_span
            underline = tabs.query_one(Underline)
            if (underline.highlight_start, underline.highlight_end) != (start, end):
                return False
    return True


# -- DEMO-1's pipeline as the ledger records it (no git, dbt or sqlfluff runs) --------------

BRANCH = "DEMO-1-customer-lifetime-value"
MODELS = [
    "stg_shop__orders",
    "stg_shop__customers",
    "stg_shop__payments",
    "int_customer_orders__joined",
    "fct_customer_orders",
]
FILES = [
    "models/staging/shop/_shop__sources.yml",
    "models/staging/shop/stg_shop__orders.sql",
    "models/staging/shop/stg_shop__customers.sql",
    "models/staging/shop/stg_shop__payments.sql",
    "models/staging/shop/_shop__models.yml",
    "models/intermediate/customer_orders/int_customer_orders__joined.sql",
    "models/marts/fct_customer_orders.sql",
    "models/marts/_customer_orders__models.yml",
]
SHA = "3f2a9c1b7e5d40a8c6e2f19b0d7a4c3e8b1f5a62"


def node(
    name: str, kind: str, seconds: float, rows: int | None = None, status: str = ""
) -> NodeResult:
    status = status or ("success" if kind == "model" else "pass")
    return NodeResult(f"{kind}.shop.{name}", name, kind, status, seconds, rows=rows)


def built(*, failing_test: bool = False) -> StepOutcome:
    """A dbt build of DEMO-1's five models and their tests, as the build step records it."""
    unique = "unique_fct_customer_orders_customer_id"
    nodes = (
        node("stg_shop__customers", "model", 0.21, 100),
        node("stg_shop__orders", "model", 0.19, 300),
        node("stg_shop__payments", "model", 0.18, 326),
        node("not_null_stg_shop__customers_customer_id", "test", 0.05),
        node("unique_stg_shop__customers_customer_id", "test", 0.04),
        node(
            "relationships_stg_shop__orders_customer_id__customer_id__ref_stg_shop__customers_",
            "test",
            0.06,
        ),
        node("int_customer_orders__joined", "model", 0.27, 326 if failing_test else 300),
        node("fct_customer_orders", "model", 0.31, 100),
        node("not_null_fct_customer_orders_customer_id", "test", 0.04),
        node(unique, "test", 0.05, status="fail" if failing_test else "pass"),
    )
    return build_outcome(BuildReport("7c1e", nodes, 100), "fct_customer_orders")


LINT_FINDINGS = (
    LintViolation(
        "models/marts/fct_customer_orders.sql",
        14,
        9,
        "RF02",
        "Unqualified reference 'customer_id' found in select with more than one referenced table.",
    ),
    LintViolation(
        "models/intermediate/customer_orders/int_customer_orders__joined.sql",
        22,
        5,
        "AL03",
        "Column expression without alias. Use explicit `AS` clause.",
    ),
    LintViolation(
        "models/marts/fct_customer_orders.sql", 31, 81, "LT05", "Line is too long (96 > 80)."
    ),
)

DONE: dict[str, StepOutcome] = {
    "start": StepOutcome(ok=True, detail=f"on branch {BRANCH}", artifacts={"branch": BRANCH}),
    "scaffold": StepOutcome(
        ok=True,
        detail="5 models; 8 files created, 0 updated",
        artifacts={"files": FILES, "models": MODELS, "mart": "fct_customer_orders"},
    ),
    "lint": lint_outcome(LintReport(files=5, fixed=2)),
    "build": built(),
    "document": StepOutcome(
        ok=True,
        detail="docs/data-dictionary/fct_customer_orders.md: 5 columns, 3 sources",
        artifacts={"files": ["docs/data-dictionary/fct_customer_orders.md"]},
    ),
    "commit": StepOutcome(
        ok=True,
        detail=f"commit {SHA[:10]} ({len(FILES)} files)",
        artifacts={"sha": SHA, "files": FILES, "pushed": False},
    ),
    "publish": StepOutcome(
        ok=True,
        detail=f"published to {OUTPUT_DIR}/fct_customer_orders.twbx",
        artifacts={"location": f"{OUTPUT_DIR}/fct_customer_orders.twbx"},
    ),
}
"""What each step of DEMO-1 records when it succeeds."""


class ShopMart:
    """DEMO-1's built mart as the publisher reads it (these pictures run no warehouse); the
    workbook and its sketch are drawn from it for real."""

    COLUMNS = [
        ("customer_id", "BIGINT"),
        ("first_name", "VARCHAR"),
        ("last_name", "VARCHAR"),
        ("order_count", "BIGINT"),
        ("lifetime_value", "DECIMAL(18,2)"),
    ]
    ROWS = [
        (1, "Ann", "Lee", 3, "120.50"),
        (2, "Ann", "Moss", 1, "35.00"),
        (3, "Bo", None, 2, "80.25"),
    ]

    def __init__(self, _runner: object) -> None:
        pass

    def columns(self, _model: str) -> list[tuple[str, str]]:
        return list(self.COLUMNS)

    def read(self, model: str) -> tuple[list[tuple[str, str]], Iterator[tuple[object, ...]]]:
        return self.columns(model), iter(self.ROWS)

    def connection(self, model: str) -> dict[str, object]:
        return {"type": "duckdb", "schema": "main", "table": model}


def record(context: AppContext, step: str, outcome: StepOutcome, key: str = "DEMO-1") -> None:
    """Write ``step``'s run to the ledger as the engine does, and move the ticket on."""
    context.ledger.mark_running(key, step)
    state = StepState.SUCCEEDED if outcome.ok else StepState.FAILED
    context.ledger.finish_step(key, step, state, outcome.detail, outcome.artifacts)
    status = context.config.tracker.statuses.for_step(step)
    if outcome.ok and status:
        context.tracker.transition(key, status)


def walked(context: AppContext, until: str | None = None) -> AppContext:
    """DEMO-1 with every step before ``until`` succeeded (None: the whole pipeline)."""
    for step in STEP_NAMES:
        if step == until:
            break
        record(context, step, DONE[step])
    return context


# -- the ticket list ----------------------------------------------------------------------


def test_ticket_list_empty(snap_compare, shop, size):
    """No tickets: an empty table, the status line says how to file one
    (`martflow tickets create`), the outbox bar says the tracker is up to date."""
    assert snap_compare(MartflowApp(shop), terminal_size=size, run_before=settle)


def test_ticket_list_loaded(snap_compare, filed, size):
    """Three tickets DEMO-1..3 with status To Do and progress 0/7, their summaries in full,
    the cursor row on the first; the status line says "3 tickets"; the footer lists
    Filter, Refresh, Keys, Sync, Quit."""
    assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=settle)


def test_ticket_list_filtered(snap_compare, filed, size):
    """The filter box holds "cust" and only DEMO-1 (Customer lifetime value) is listed;
    the status line says "1 of 3 tickets match"; the table has the focus again."""
    assert snap_compare(
        MartflowApp(filed),
        terminal_size=size,
        run_before=settle,
        press=["slash", *"cust", "enter"],
    )


def test_ticket_list_tracker_failed(snap_compare, shop, size):
    """The tracker is down: the table is empty and the status line reads
    "Could not load tickets: connection refused" - no dialog, the app keeps running."""

    class DownTracker:
        def ticket_pages(self, query: str | None = None) -> list[object]:
            raise RemoteUnavailableError("connection refused")

    shop.__dict__["tracker"] = DownTracker()
    assert snap_compare(MartflowApp(shop), terminal_size=size, run_before=settle)


# -- dialogs -------------------------------------------------------------------------------


def test_error_dialog_open(snap_compare, tmp_path, size):
    """A `[keys]` typo at start-up: the error dialog (red frame) over the ticket list, titled
    "Configuration error", saying "[keys] run_nxt: no such key binding; did you mean
    'run_next'?", with a focused OK button."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "config.toml").write_text('[keys]\nrun_nxt = "ctrl+n"\n')
    context = AppContext.load(root / "config.toml")
    try:
        assert snap_compare(MartflowApp(context), terminal_size=size, run_before=list_loaded)
    finally:
        context.close()


def test_help_screen_open(snap_compare, filed, size):
    """The Keys dialog over the ticket list: martflow's keys first with their binding ids
    (/ filter, r refresh, esc clear_filter, ? help, s sync, q quit), then the table's
    navigation keys; the hint below says how to remap a key in config.toml."""
    assert snap_compare(
        MartflowApp(filed), terminal_size=size, run_before=settle, press=["question_mark"]
    )


# -- the ticket screen (regenerate when tabs change) ---------------------------------------


class TestTicketScreenSnapshots:
    """The ticket screen; every tab added to it changes these pictures."""

    @pytest.fixture(autouse=True)
    def pinned_clock(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(ticket_screen, "now", lambda: datetime(2024, 5, 1, 9, 30))

    def test_ticket_screen_valid_spec(self, snap_compare, filed, size):
        """DEMO-1: title "DEMO-1 · To Do · Customer lifetime value"; the step list with
        every step pending and `start` marked next (bold, cursor on it); the Ticket tab
        with the description and the parsed spec (fact fct_customer_orders, its sources,
        grain, joins, dimensions, measures, dashboard); an empty log; the outbox bar
        says the tracker is up to date; the footer lists the ticket's keys."""
        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=opened("DEMO-1"))

    def test_ticket_screen_invalid_spec(self, snap_compare, filed, size):
        """DEMO-3: the description, then the spec box in red saying "Spec does not validate"
        and listing the problem with the misspelt `grian` key."""
        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=opened("DEMO-3"))

    def test_ticket_screen_step_running(self, snap_compare, filed, size):
        """DEMO-1 mid-run, on the Build tab: start, scaffold and lint ✔ with their results
        (the branch, "5 models; 8 files created, 0 updated", "5 files clean, 2 fixed"), build
        ▶ "running…", commit and publish pending; the tab says "The build step is running…";
        the title says In Progress."""
        walked(filed, until="build")
        filed.ledger.mark_running("DEMO-1", "build")
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=on_tab("DEMO-1", BuildPanel)
        )

    def test_ticket_screen_lint_failed(self, snap_compare, filed, size):
        """Lint failed: the step list shows lint ✘ "3 violations in 2 files of 5, …" (cut to
        the column) and lint bold (next); the Lint tab says "3 violations, 2 fixed" over a
        table of file (the long intermediate path cut from the left, keeping its file name),
        line, rule (RF02, AL03, LT05) and the start of each message."""
        walked(filed, until="lint")
        record(filed, "lint", lint_outcome(LintReport(5, LINT_FINDINGS, fixed=2)))
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=on_tab("DEMO-1", LintPanel)
        )

    def test_ticket_screen_models_tab(self, snap_compare, filed, size):
        """After scaffold, on the Models tab: "5 models; 8 files created, 0 updated", the five
        models from stg_shop__orders to fct_customer_orders, then the eight files under
        models/; lint is next in the step list."""
        walked(filed, until="lint")
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=on_tab("DEMO-1", ScaffoldPanel)
        )

    def test_ticket_screen_build_tab(self, snap_compare, filed, size):
        """After build, on the Build tab: the summary "5 models built, 5/5 tests passed;
        fct_customer_orders has 100 rows", then the five models (with times and row counts)
        before the five tests (no rows), the long relationships test name cut with "…"."""
        walked(filed, until="commit")
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=on_tab("DEMO-1", BuildPanel)
        )

    def test_ticket_screen_build_failed(self, snap_compare, filed, size):
        """A failing test: build ✘ "1 failed: unique_fct_customer_orders_customer_id" in the
        step list; on the Build tab that test's row is red, the models' rows are not."""
        walked(filed, until="build")
        record(filed, "build", built(failing_test=True))
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=on_tab("DEMO-1", BuildPanel)
        )

    def test_ticket_screen_lineage_tab(self, snap_compare, filed, size):
        """After publish, on the Lineage tab: the legend, then the tree "DEMO-1 ·
        fct_customer_orders" with sources ▪ shop.orders/customers/payments, the staging,
        intermediate and mart models ● built with their .sql files, and the dashboard
        ★ "Customer lifetime value" published at /srv/dashboards/fct_customer_orders.twbx."""
        walked(filed)
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=on_tab("DEMO-1", LineagePanel)
        )

    def test_ticket_screen_publish_tab(self, snap_compare, filed, size, monkeypatch):
        """After publish, on the Publish tab: "Published" /srv/dashboards/fct_customer_orders.twbx,
        "Commit" 3f2a9c1b7e (not pushed), "Branch" DEMO-1-customer-lifetime-value; then "The
        dashboard a publish writes:" and its text sketch at the tab's width: the title
        "Customer lifetime value", the caption with DEMO-1, boxes for the KPI tiles of
        order_count and lifetime_value, their bar charts and the filter cards; every step ✔;
        the title says Done."""
        monkeypatch.setattr("martflow.integrations.mart_reader.AdapterMartReader", ShopMart)
        walked(filed)
        showing = on_tab("DEMO-1", PublishPanel)

        async def sketched(pilot: Pilot[int]) -> None:
            await showing(pilot)

            def drawn() -> bool:
                sketch = pilot.app.screen.query_one("#publish-sketch", Static)
                return "+" in str(sketch.content)

            await until(pilot, drawn)

        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=sketched)

    def test_commit_dialog_open(self, snap_compare, filed, size):
        """Enter on commit after a build: the dialog "Commit DEMO-1" lists the 8 files the
        pipeline wrote, the message "DEMO-1: Customer lifetime value" in an editable box with
        the focus, the push switch off ("Push to origin after committing"), Commit and Cancel."""
        walked(filed, until="commit")
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=running_step("DEMO-1", "commit")
        )

    def test_confirm_publish_dialog_open(self, snap_compare, filed, size, monkeypatch):
        """Enter on publish after commit: the dialog "Publish DEMO-1: Customer lifetime
        value?" names the workbook and the data (fct_customer_orders, 100 rows at the last
        build), says "It will publish to /srv/dashboards/fct_customer_orders.twbx" (the dry
        run's answer); Publish (ctrl+s) focused, Cancel (esc), and the dialog's own keys in
        the footer. Behind it the Preview tab shows the mart's two rows."""
        from martflow.services.mart_preview import MartPreview

        rows = (("C-1", "Ann", 3), ("C-2", "Bo", 1))
        columns = ("customer_id", "first_name", "order_count")
        picture = MartPreview("fct_customer_orders", columns, rows, (), 2, True)
        monkeypatch.setattr(
            "martflow.services.mart_preview.mart_preview", lambda *_a, **_k: picture
        )
        walked(filed, until="publish")
        publishing = running_step("DEMO-1", "publish")

        async def preview_behind(pilot: Pilot[int]) -> None:
            await publishing(pilot)

            def filled() -> bool:
                stack = pilot.app.screen_stack
                tables = [t for s in stack for t in s.query("#preview-rows").results(DataTable)]
                return bool(tables) and all(t.row_count for t in tables)

            await until(pilot, lambda: filled() and underlines_in_place(pilot))
            await repaint_stack(pilot)

        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=preview_behind)

    def test_run_all_confirmation(self, snap_compare, filed, size):
        """`a` on DEMO-1 with nothing run: "Run all remaining steps of DEMO-1?" says it runs
        start..publish without stopping and will commit and publish with the defaults;
        Run all (y) focused, Cancel (n), the dialog's keys in the footer."""
        assert snap_compare(
            MartflowApp(filed), terminal_size=size, run_before=pressed("DEMO-1", "a")
        )

    def test_scaffold_preview_dialog_open(self, snap_compare, filed, size):
        """The scaffold preview of a plan with a new file and an update: the summary "2 files:
        1 create, 1 update. Write (w) …", the file table, the first file's content with line
        numbers; the Write 1 files (w) and Cancel (esc) buttons and the footer stay on screen
        even at 80x24."""

        class Planned(ScaffoldPreviewDialog):
            def load_plan(self) -> None:  # type: ignore[override]  # no warehouse here
                self.post_message(self.PlanLoaded(PLAN))

        async def run_before(pilot: Pilot[int]) -> None:
            await opened("DEMO-1")(pilot)
            await pilot.app.push_screen(Planned(filed, "DEMO-1"))
            await settle(pilot)

        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=run_before)

    def test_lint_fix_dialog_open(self, snap_compare, filed, size):
        """f after a failed lint: "Fix lint in DEMO-1", "2 files would change (5 findings
        before). Apply (y) writes them; Cancel (n) writes nothing.", the two paths, then
        both files' unified diffs (--- a/… +++ b/…, the upper-case lines removed, the
        lower-case ones added); Apply to 2 files (y) focused and Cancel (n) on screen with
        the dialog's keys in the footer, even at 80x24."""
        walked(filed, until="lint")
        record(filed, "lint", lint_outcome(LintReport(5, LINT_FINDINGS)))

        async def run_before(pilot: Pilot[int]) -> None:
            await on_tab("DEMO-1", LintPanel)(pilot)
            await pilot.app.push_screen(LintFixDialog("DEMO-1", FIXES))

            def shown() -> bool:
                screen = pilot.app.screen
                return isinstance(screen, LintFixDialog) and bool(screen.query("#lint-fix-diff"))

            await until(pilot, shown)
            for screen in pilot.app.screen_stack:  # the ticket screen behind, as it is now
                screen.refresh(repaint=True)
            await pilot.pause()
            await settle(pilot)

        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=run_before)

    def test_ticket_screen_build_running_with_dbt_count(self, snap_compare, filed, size):
        """A build this screen started, mid-run: build shows the spinner's first frame,
        "4 of 9 · 0s"; the Build tab is cleared ("The build step is running…") rather than
        showing the last run's nodes; the log has dbt's line."""
        walked(filed, until="build")

        async def run_before(pilot: Pilot[int]) -> None:
            await on_tab("DEMO-1", BuildPanel)(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, TicketScreen)
            monkey = screen.query_one(StepList)
            screen.show_event(StepStarted("DEMO-1", "build"))
            screen.show_event(StepProgress("DEMO-1", "build", "4 of 9 START sql table model x"))
            if monkey.ticker is not None:
                monkey.ticker.stop()  # a still picture: the spinner and clock stay put
            monkey.started = monotonic()
            monkey._redraw_steps()
            await pilot.pause()

        assert snap_compare(MartflowApp(filed), terminal_size=size, run_before=run_before)


PLAN = ScaffoldPlan(
    files=(
        PlannedFile(
            "models/marts/fct_customer_orders.sql",
            "select\n    customer_id,\n    count(*) as order_count\nfrom {{ ref('x') }}\n"
            "group by 1\n",
            "create",
        ),
        PlannedFile(
            "models/staging/shop/_shop__sources.yml",
            "version: 2\n",
            "update",
            "--- a\n+++ b\n@@ -1 +1 @@\n-version: 1\n+version: 2\n",
        ),
    ),
)


FIXES = (
    FileFix(
        "models/marts/fct_customer_orders.sql",
        "SELECT\n    customer_id,\n    COUNT(*) AS order_count\nFROM {{ ref('x') }}\nGROUP BY 1\n",
        "select\n    customer_id,\n    count(*) as order_count\nfrom {{ ref('x') }}\ngroup by 1\n",
        violations=4,
    ),
    FileFix(
        "models/staging/shop/stg_shop__orders.sql",
        "select id,Amount from {{ source('shop', 'orders') }}\n",
        "select\n    id,\n    amount\nfrom {{ source('shop', 'orders') }}\n",
        violations=1,
    ),
)
"""What sqlfluff would fix in two of DEMO-1's models."""


def pressed(key: str, *keys: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    """A run_before that opens ``key`` and presses ``keys``."""

    async def run_before(pilot: Pilot[int]) -> None:
        await opened(key)(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


# -- the spec editor -----------------------------------------------------------------------


@pytest.fixture
def unspecified(shop: AppContext) -> AppContext:
    """One ticket with no spec in its description, in a project with no source schemas."""
    shop.tracker.create_ticket("Orders by month", "Finance wants monthly order totals.")
    return shop


def editing(key: str, mart: str = "") -> Callable[[Pilot[int]], Awaitable[None]]:
    """A run_before that opens ``key``, presses e and types ``mart`` into the mart name."""

    async def run_before(pilot: Pilot[int]) -> None:
        await opened(key)(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*["space" if c == " " else c for c in mart])
        await settle(pilot)

    return run_before


def test_spec_editor_empty(snap_compare, unspecified, size):
    """The spec editor on DEMO-1 (no spec yet): the title names specs/DEMO-1.yml; the
    catalog pane says there are no source tables and how to configure them; the form's
    fields are empty (grey examples in them), the mart name focused; the YAML preview shows
    the empty spec and the problems box (red) says sources, mart, grain and measures are
    missing."""
    assert snap_compare(MartflowApp(unspecified), terminal_size=size, run_before=editing("DEMO-1"))


def test_spec_editor_invalid_mart_name(snap_compare, unspecified, size):
    """ "Customer Orders!" typed as the mart name: the field shows it, the YAML preview has
    `mart: Customer Orders!` and the problems box names the bad mart name."""
    assert snap_compare(
        MartflowApp(unspecified),
        terminal_size=size,
        run_before=editing("DEMO-1", "Customer Orders!"),
    )
