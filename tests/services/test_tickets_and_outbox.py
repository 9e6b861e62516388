"""Ticket rows, keys and the sync of queued updates, over fakes (no AppContext)."""

from __future__ import annotations

from pathlib import Path

import pytest

from martflow.core.models import StepOutcome, StepState
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.engine import Engine
from martflow.errors import RemoteUnavailableError, TicketNotFoundError
from martflow.services.outbox import queued_updates, sync_all
from martflow.services.tickets import canonical_key, ticket_rows, ticket_view, view_after_run
from tests.fakes.ports import FakePorts

DOWN = RemoteUnavailableError("tracker down", applied=False, retry_after=3600)


@pytest.fixture
def ports(tmp_path: Path) -> FakePorts:
    ports = FakePorts(tmp_path / "repo")
    ports.tracker.create_ticket("Customer orders")
    ports.tracker.create_ticket("Product catalogue")
    return ports


def test_rows_show_each_pipelines_progress(ports: FakePorts) -> None:
    ledger = ports.ledger
    ledger.pipeline_id("DEMO-1")
    for step, state in (("start", StepState.SUCCEEDED), ("scaffold", StepState.FAILED)):
        ledger.mark_running("DEMO-1", step)
        ledger.finish_step("DEMO-1", step, state, "", {})

    rows = {row.key: row for row in ticket_rows(ports)}

    assert rows["DEMO-1"].progress == "1/7 scaffold failed"
    assert rows["DEMO-2"].progress == "0/7"


def test_the_ledgers_spelling_of_a_key_is_used_when_the_tracker_is_down(
    ports: FakePorts,
) -> None:
    ports.ledger.pipeline_id("DEMO-1")
    assert canonical_key(ports, "demo-1") == "DEMO-1"

    ports.tracker.fail_next("get_ticket", 2, DOWN)
    assert canonical_key(ports, "demo-1") == "DEMO-1"
    with pytest.raises(RemoteUnavailableError):
        canonical_key(ports, "demo-2")
    with pytest.raises(TicketNotFoundError):
        canonical_key(ports, "DEMO-9")


def test_a_spec_file_wins_over_the_description(ports: FakePorts) -> None:
    ports.project.specs_dir.mkdir()
    (ports.project.specs_dir / "DEMO-1.yml").write_text(
        "martflow:\n  sources: [shop.orders]\n  mart: orders\n  kind: dimension\n"
        "  grain: [order_id]\n"
    )

    view = ticket_view(ports, "DEMO-1")

    assert view.spec is not None and view.spec.mart == "orders"
    assert view.spec_source == "specs/DEMO-1.yml"
    assert ticket_view(ports, "DEMO-2").spec_error.startswith("no martflow spec")


def test_sync_delivers_every_tickets_queue_and_skips_a_busy_one(ports: FakePorts) -> None:
    ledger = ports.ledger
    ledger.enqueue("DEMO-1", "start", "comment", "DEMO-1", "first")
    ledger.enqueue("DEMO-2", "start", "comment", "DEMO-2", "second")
    assert queued_updates(ports) == 2

    ledger.acquire("DEMO-2")
    try:
        report = sync_all(ports)
    finally:
        ledger.release("DEMO-2")

    assert (report.delivered, report.queued) == (1, 1)
    assert report.skipped and report.skipped[0].startswith("skipped DEMO-2")
    assert [c.body for c in ports.tracker.comments("DEMO-1")] == ["first"]
    assert queued_updates(ports) == 1
    assert sync_all(ports).delivered == 1
    assert queued_updates(ports) == 0


def test_the_view_after_a_run_is_the_reports_final_state_without_a_second_read(
    ports: FakePorts,
) -> None:
    steps = {
        "start": lambda context: StepOutcome(ok=True, detail="on branch x"),
        "scaffold": lambda context: StepOutcome(ok=False, detail="2 files were not created"),
    }
    statuses = {"start": "In Progress"}
    engine = Engine(
        ports.ledger, ports.tracker, steps, statuses.get, policy=RetryPolicy(attempts=1)
    )
    before = ticket_view(ports, "DEMO-1")

    report = engine.run("DEMO-1", only=["start", "scaffold"])
    after = view_after_run(before, report)

    assert before.ticket.status == "To Do"
    reread = ticket_view(ports, "DEMO-1")
    assert after.ticket.status == reread.ticket.status == "In Progress"
    assert after.steps == reread.steps
    assert after.queued == reread.queued
    assert [(r.name, r.state) for r in after.steps[:2]] == [
        ("start", StepState.SUCCEEDED),
        ("scaffold", StepState.FAILED),
    ]
