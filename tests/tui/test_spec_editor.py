"""The spec editor driven by a pilot: validate as you type, save only valid specs, post once."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Static

from martflow.context import AppContext
from martflow.core.spec import parse_spec
from martflow.errors import RemoteUnavailableError
from martflow.services.catalog import CatalogTable
from martflow.tui.app import MartflowApp
from martflow.tui.screens.spec_editor import SpecEditorScreen
from martflow.tui.screens.ticket import TicketScreen
from martflow.tui.widgets.outbox import OutboxBar
from martflow.tui.widgets.source_tree import ColumnNode, SourceTree
from martflow.tui.widgets.spec_form import SpecForm
from tests.fakes.memory_tracker import MemoryTracker
from tests.services.spec_samples import EXPECTED
from tests.tui.pilot_support import settle

SIZE = (120, 40)


async def open_editor(pilot: Pilot[int], key: str) -> SpecEditorScreen:
    """Open ``key``'s ticket screen, then press e."""
    await settle(pilot)
    pilot.app.push_screen(TicketScreen(key))
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SpecEditorScreen) and screen.key == key
    return screen


async def type_into(pilot: Pilot[int], screen: SpecEditorScreen, name: str, text: str) -> None:
    """Focus a form field, clear it and type ``text`` key by key."""
    field = screen.query_one(SpecForm).input_for(name)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause()


async def fill_valid_spec(pilot: Pilot[int], screen: SpecEditorScreen) -> None:
    """Type the mart name; the other fields are pasted (typing each key costs ~0.1 s)."""
    await type_into(pilot, screen, "mart", "customer_orders")
    form = screen.query_one(SpecForm)
    for name, value in (
        ("sources", "shop.orders, shop.customers"),
        ("joins", "orders.customer_id = customers.customer_id"),
        ("grain", "customers.customer_id"),
        ("dimensions", "customers.first_name"),
        ("measures", "order_count=count(distinct orders.order_id)"),
        ("dashboard", "Customer orders"),
    ):
        form.input_for(name).value = value
    await pilot.pause()


def shown(screen: SpecEditorScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.fixture
def context(empty_context: AppContext) -> AppContext:
    empty_context.tracker.create_ticket("Customer orders", "Orders per customer, please.")
    return empty_context


async def test_an_invalid_spec_shows_its_problems_and_is_not_saved(context: AppContext) -> None:
    app = MartflowApp(context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "DEMO-1")
        assert screen.focused is screen.query_one(SpecForm).input_for("mart")
        assert "No source tables" in shown(screen, "#catalog-status")

        await fill_valid_spec(pilot, screen)
        await type_into(pilot, screen, "mart", "../{{ evil }}")

        assert screen.problems == [
            'martflow.mart: "../{{ evil }}" must be a lowercase identifier ([a-z_][a-z0-9_]*)'
        ]
        assert "martflow.mart" in shown(screen, "#problems")
        assert screen.query_one("#problems").has_class("-invalid")
        assert "mart: ../{{ evil }}" in shown(screen, "#yaml-preview")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert not context.project.specs_dir.exists()


async def test_a_valid_spec_is_saved_and_the_ticket_shows_it(context: AppContext) -> None:
    app = MartflowApp(context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "DEMO-1")
        await type_into(pilot, screen, "mart", "fct_orders")
        assert any(p.startswith("martflow.mart:") for p in screen.problems)

        await fill_valid_spec(pilot, screen)
        assert screen.problems == []
        assert shown(screen, "#problems").startswith("✓ Valid spec")

        await pilot.press("ctrl+s")
        await settle(pilot)
        path = context.project.specs_dir / "DEMO-1.yml"
        assert parse_spec(path.read_text(encoding="utf-8")) == EXPECTED
        assert path.read_text(encoding="utf-8") == screen.yaml_text
        assert context.tracker.get_ticket("DEMO-1").comments == ()  # not asked to post

        await pilot.press("escape")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        assert ticket.view is not None and ticket.view.spec == EXPECTED
        overview = str(ticket.query_one("#spec", Static).render())
        assert overview.startswith("Spec (from specs/DEMO-1.yml): fact fct_customer_orders")

        await pilot.press("e")
        await settle(pilot)
        reopened = app.screen
        assert isinstance(reopened, SpecEditorScreen)
        form = reopened.query_one(SpecForm)
        assert form.input_for("mart").value == "customer_orders"
        assert form.input_for("sources").value == "shop.orders, shop.customers"
        assert reopened.problems == []


async def test_post_to_ticket_comments_once(context: AppContext) -> None:
    app = MartflowApp(context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "DEMO-1")
        await fill_valid_spec(pilot, screen)
        screen.query_one("#spec-post", Checkbox).focus()
        await pilot.press("space")
        assert screen.query_one("#spec-post", Checkbox).value is True

        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

        comments = context.tracker.get_ticket("DEMO-1").comments
        assert len(comments) == 1
        assert "```yaml\nmartflow:\n" in comments[0].body
        assert (context.project.specs_dir / "DEMO-1.yml").exists()
        assert app.queued == 0


async def test_a_post_while_the_tracker_is_down_is_queued_in_the_outbox_bar(
    empty_context: AppContext,
) -> None:
    tracker = MemoryTracker()
    tracker.create_ticket("Customer orders")
    empty_context.__dict__["tracker"] = tracker
    app = MartflowApp(empty_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "DEMO-1")
        await fill_valid_spec(pilot, screen)
        screen.query_one("#spec-post", Checkbox).value = True
        tracker.fail_next(
            "add_comment", 1, RemoteUnavailableError("tracker down", retry_after=3600)
        )

        await pilot.press("ctrl+s")
        await settle(pilot)

        assert (empty_context.project.specs_dir / "DEMO-1.yml").exists()
        assert tracker.comments("DEMO-1") == []
        assert app.queued == 1
        await pilot.press("escape")
        await settle(pilot)
        bar = app.screen.query_one(OutboxBar)
        assert str(bar.render()).startswith("1 tracker update queued")

        app.screen.query_one("#steps").focus()
        await pilot.press("s")
        await settle(pilot)
        assert len(tracker.comments("DEMO-1")) == 1
        assert app.queued == 0


# -- the warehouse tree (real dbt on the demo) ------------------------------------------------


def tree_tables(tree: SourceTree) -> list[CatalogTable]:
    return [node.data for node in tree.root.children if isinstance(node.data, CatalogTable)]


@pytest.mark.slow
@pytest.mark.xdist_group("tui_dbt")
async def test_the_tree_lists_the_demo_tables_and_picking_columns_fills_the_form(
    demo_context: AppContext,
) -> None:
    app = MartflowApp(demo_context)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, "DEMO-2")
        form = screen.query_one(SpecForm)
        assert form.input_for("mart").value == "products"  # prefilled from the description
        assert screen.problems == []

        tree = screen.query_one(SourceTree)
        tables = tree_tables(tree)
        assert [t.name for t in tables] == [
            "shop.customers",
            "shop.order_items",
            "shop.orders",
            "shop.payments",
            "shop.products",
        ]
        assert {t.schema for t in tables} == {"raw"}
        customers = tables[0]
        assert [(c.raw, c.name, c.data_type) for c in customers.columns[:3]] == [
            ("Customer ID", "customer_id", "BIGINT"),
            ("FirstName", "first_name", "VARCHAR"),
            ("last_name ", "last_name", "VARCHAR"),
        ]
        assert shown(screen, "#catalog-status").startswith("5 tables")
        assert "✓" in str(tree.root.children[4].label)  # products is a source already

        # Start over as a fact from the customers table, picking columns by key.
        for name in ("sources", "grain", "dimensions", "measures", "dashboard"):
            form.input_for(name).value = ""
        form.input_for("mart").value = "customer_payments"
        tree.focus()
        tree.move_cursor(tree.root.children[0])
        await pilot.press("space", "right", "down")
        assert isinstance(tree.cursor_node.data, ColumnNode)
        await pilot.press("g", "down", "d")
        tree.move_cursor(tree.root.children[3])
        await pilot.press("right", "down", "down", "down", "down")
        assert tree.cursor_node.data.column.name == "amount"  # type: ignore[union-attr]
        await pilot.press("m")
        await pilot.pause()

        assert form.input_for("sources").value == "shop.customers, shop.payments"
        assert form.input_for("grain").value == "customers.customer_id"
        assert form.input_for("dimensions").value == "customers.first_name"
        assert form.input_for("measures").value == "total_amount=sum(payments.amount)"
        assert "✓" in str(tree.root.children[0].label)
        assert screen.problems == [
            'martflow.joins: table "payments" is not joined to customers (the grain\'s table); '
            'add a join like "customers.<column> = payments.<column>"'
        ]

        tree.move_cursor(tree.root.children[3])
        await pilot.press("space")
        await pilot.pause()
        assert form.input_for("sources").value == "shop.customers"
        form.input_for("measures").value = "customer_count=count(*)"
        await pilot.pause()
        assert screen.problems == []
