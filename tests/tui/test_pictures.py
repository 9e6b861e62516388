"""Pictures on the ticket screen: the lineage tree, the mart preview, the publish confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Static, TabbedContent, Tree

from martflow.context import AppContext
from martflow.core.models import StepState
from martflow.project_scaffold.demo import DEMO_TICKETS
from martflow.tui.app import MartflowApp
from martflow.tui.dialogs.confirm_publish import ConfirmPublishDialog
from martflow.tui.panels.lineage import NO_SPEC
from martflow.tui.panels.preview import NOT_BUILT, PreviewPanel
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.widgets.measure_chart import MeasureChart
from tests.scaffold_tools import RENDERER
from tests.tui.pilot_support import open_ticket, settle

SIZE = (120, 40)


async def show_tab(pilot: Pilot[int], screen: TicketScreen, pane: str) -> None:
    screen.query_one("#views", TabbedContent).active = pane
    await settle(pilot)


def tree_labels(tree: Tree[object]) -> list[str]:
    """Every label under the root, depth first (the order a person reads them)."""
    labels: list[str] = []
    stack = list(reversed(tree.root.children))
    while stack:
        node = stack.pop()
        labels.append(str(node.label))
        stack.extend(reversed(node.children))
    return labels


def position(labels: list[str], prefix: str) -> int:
    return next(i for i, label in enumerate(labels) if prefix in label)


def text(widget: Static) -> str:
    return str(widget.render())


# -- lineage (fast: no dbt) ---------------------------------------------------------------


async def test_lineage_tree_reads_sources_to_dashboard(empty_context: AppContext):
    empty_context.tracker.create_ticket(DEMO_TICKETS[0].summary, DEMO_TICKETS[0].description)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        await show_tab(pilot, screen, "tab-lineage")
        tree = screen.query_one("#lineage-tree", Tree)

        assert tree.display and tree.root.is_expanded
        assert all(layer.is_expanded for layer in tree.root.children)
        labels = tree_labels(tree)
        order = [
            position(labels, "shop.orders"),
            position(labels, "stg_shop__orders"),
            position(labels, "int_customer_orders__joined"),
            position(labels, "fct_customer_orders"),
            position(labels, "Customer lifetime value"),
        ]
        assert order == sorted(order)
        assert [str(layer.label) for layer in tree.root.children] == [
            "sources",
            "staging",
            "intermediate",
            "mart",
            "dashboard",
        ]
        # Nothing ran: every model is a plan, the sources are what exists.
        assert "○ fct_customer_orders  planned" in labels
        assert "▪ shop.payments  source" in labels


async def test_lineage_of_an_invalid_spec_says_so(empty_context: AppContext):
    empty_context.tracker.create_ticket(DEMO_TICKETS[2].summary, DEMO_TICKETS[2].description)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        await show_tab(pilot, screen, "tab-lineage")

        assert text(screen.query_one("#lineage-message", Static)) == NO_SPEC
        tree = screen.query_one("#lineage-tree", Tree)
        assert not tree.display and not tree.root.children


async def test_preview_before_a_build_asks_for_it(empty_context: AppContext):
    empty_context.tracker.create_ticket(DEMO_TICKETS[0].summary, DEMO_TICKETS[0].description)
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        await show_tab(pilot, screen, "tab-preview")

        assert text(screen.query_one("#preview-status", Static)) == NOT_BUILT
        assert screen.query_one("#preview-rows", DataTable).row_count == 0


# -- preview and publish on the built demo (slow: one dbt build for the module) ------------


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """The demo repo with DEMO-1 built and committed (every step but publish)."""
    from martflow.project_scaffold.demo import prepare_repo
    from tests.tui.conftest import DEMO_ROWS

    root, _created = prepare_repo(
        tmp_path_factory.mktemp("pictures") / "demo", DEMO_ROWS, 7, renderer=RENDERER
    )
    context = AppContext.load(root / "config.toml")
    for ticket in DEMO_TICKETS:
        context.tracker.create_ticket(ticket.summary, ticket.description)
    report = context.engine().run("DEMO-1", until_step="commit")
    assert report.failed is None, report
    yield context
    context.close()


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_preview_tab_shows_rows_and_a_chart_per_measure(built_demo: AppContext):
    app = MartflowApp(built_demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        await show_tab(pilot, screen, "tab-preview")

        table = screen.query_one("#preview-rows", DataTable)
        assert [str(c.label) for c in table.columns.values()] == [
            "customer_id",
            "first_name",
            "last_name",
            "order_count",
            "lifetime_value",
        ]
        assert table.row_count == 20
        charts = list(screen.query(MeasureChart))
        assert [c.id for c in charts] == ["chart-order_count", "chart-lifetime_value"]
        assert [c.series.kind for c in charts] == ["bar", "bar"]
        assert charts[1].series.title.startswith("lifetime_value by first_name")
        status = text(screen.query_one("#preview-status", Static))
        assert status.startswith("fct_customer_orders: the first 20 rows; charts from")

        # p reloads (from within the panel) and lands on the same picture.
        table.focus()
        await pilot.press("p")
        await settle(pilot)
        assert screen.query_one("#preview-rows", DataTable).row_count == 20
        assert len(screen.query(MeasureChart)) == 2


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_publish_shows_preview_and_where_then_cancel_publishes_nothing(
    built_demo: AppContext,
):
    output = built_demo.project.output_dir
    before = sorted(output.rglob("*")) if output.exists() else []
    app = MartflowApp(built_demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        screen.action_run_step("publish")
        await settle(pilot)

        dialog = app.screen
        assert isinstance(dialog, ConfirmPublishDialog)
        location = text(dialog.query_one("#publish-location", Static))
        assert location.startswith("It will publish to ")
        twbx = Path(location.removeprefix("It will publish to "))
        assert twbx.suffix == ".twbx" and twbx.is_relative_to(output)
        # Behind the dialog, the ticket screen switched to the preview of the mart.
        assert screen.query_one("#views", TabbedContent).active == "tab-preview"
        assert screen.query_one(PreviewPanel).query_one(DataTable).row_count == 20

        assert dialog.query_one("#publish-confirm", Button).has_focus
        await pilot.click("#publish-cancel")
        await settle(pilot)

        assert app.screen is screen
        assert not twbx.exists()
        assert (sorted(output.rglob("*")) if output.exists() else []) == before
        assert built_demo.ledger.step("DEMO-1", "publish").state is StepState.PENDING
