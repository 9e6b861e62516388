"""Server mode under expiring sessions and long publish jobs: sign in again, wait, resume."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from martflow.core.models import StepOutcome, StepState
from martflow.core.workflow.engine import IN_FLIGHT, Engine, StepContext
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.steps import StepJournal
from martflow.errors import PublishError, RemoteUnavailableError
from martflow.integrations.mart_reader import AdapterMartReader
from tests.fakes.memory_tracker import MemoryTracker

from .conftest import TSC_ASSETS, Waits, make_spec
from .tableau_server import WORKBOOK_ID, WORKBOOK_JOB, TableauLoopback, job_done, job_running
from .test_server import make_publisher

EXPIRED = (
    (TSC_ASSETS / "auth_sign_in_error.xml")
    .read_bytes()
    .replace(b"401001", b"401002")
    .replace(b"Signin Error", b"Unauthorized Access")
    .replace(b"Error signing in to Tableau Server", b"Invalid authentication credentials")
)
"""What Tableau answers a request whose session has ended."""
FORGOTTEN_JOB = "0d5b2b4e-0000-4000-8000-000000000000"
NO_SUCH_JOB = (
    (TSC_ASSETS / "auth_sign_in_error.xml")
    .read_bytes()
    .replace(b"401001", b"404031")
    .replace(b"Signin Error", b"Resource Not Found")
    .replace(b"Error signing in to Tableau Server", f"Job '{FORGOTTEN_JOB}' not found".encode())
)


def test_an_ended_session_signs_in_again_once_and_resends_the_request(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("POST", "/workbooks", 401, EXPIRED, times=1)
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")

    result = publisher.publish(make_spec(), "DEMO-1")

    assert result.artifacts["workbook_id"] == WORKBOOK_ID
    assert len(server.requests("POST", "/auth/signin")) == 2
    assert len(server.requests("POST", "/workbooks")) == 2
    assert waits.seconds == []  # not a retry with backoff: a fresh session at once


def test_a_session_that_ends_again_after_signing_in_is_transient_not_the_tokens_fault(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("POST", "/workbooks", 401, EXPIRED)
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")

    with pytest.raises(RemoteUnavailableError) as caught:
        publisher.publish(make_spec(), "DEMO-1")

    assert str(caught.value) == (
        "Tableau ended the session while trying to publish workbook 'fct_customer_orders' "
        "(401002), again right after signing in anew"
    )
    assert "TOKEN_SECRET" not in str(caught.value)
    assert len(server.requests("POST", "/workbooks")) == 6  # 3 attempts, each resent once


def test_publishing_waits_on_the_job_with_growing_pauses(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("GET", f"/jobs/{WORKBOOK_JOB}", 200, job_running(TSC_ASSETS, WORKBOOK_JOB), times=3)
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")

    result = publisher.publish(make_spec(), "DEMO-1")

    assert result.artifacts["workbook_id"] == WORKBOOK_ID
    assert waits.seconds == [0.5, 0.75, 1.125]
    assert len(server.requests("GET", f"/jobs/{WORKBOOK_JOB}")) == 4
    assert len(server.requests("POST", "/workbooks")) == 1


def test_a_failed_job_fails_the_publish_with_the_servers_notes(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    failed = job_done(TSC_ASSETS, "job_get_by_id_failed_workbook.xml", WORKBOOK_JOB, 1)
    server.fail("GET", f"/jobs/{WORKBOOK_JOB}", 200, failed)
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")

    with pytest.raises(PublishError, match=r"job publishing workbook .* failed: .*Login failed"):
        publisher.publish(make_spec(), "DEMO-1")


class Crash(BaseException):
    """The process dying while Tableau works (nothing in martflow catches it)."""


def test_a_crash_while_waiting_resumes_the_wait_from_the_ledger_instead_of_uploading_again(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path
) -> None:
    server.fail("GET", f"/jobs/{WORKBOOK_JOB}", 200, job_running(TSC_ASSETS, WORKBOOK_JOB), times=1)
    tracker = MemoryTracker()
    tracker.create_ticket("Customer lifetime value")
    ledger = Ledger(tmp_path / "state.db")

    def crash(_seconds: float) -> None:
        raise Crash

    def engine(sleep: object) -> Engine:
        publisher = make_publisher(reader, tmp_path, server.url, sleep, project="default")  # type: ignore[arg-type]

        def publish(context: StepContext) -> StepOutcome:
            result = publisher.publish(make_spec(), context.key, journal=StepJournal(context))
            return StepOutcome(ok=True, detail=result.location, artifacts=result.artifacts)

        return Engine(ledger, tracker, {"publish": publish}, lambda _s: None)

    with pytest.raises(Crash):
        engine(crash).run("DEMO-1", only=["publish"], force=True)

    record = ledger.step("DEMO-1", "publish")
    assert record.state is StepState.RUNNING
    assert record.artifacts[IN_FLIGHT]["workbook_job"] == WORKBOOK_JOB
    assert len(server.requests("POST", "/workbooks")) == 1

    report = engine(Waits()).run("DEMO-1", only=["publish"], force=True)

    assert report.failed is None
    assert len(server.requests("POST", "/workbooks")) == 1  # waited, not uploaded again
    assert len(server.requests("POST", "/datasources")) == 1
    done = ledger.step("DEMO-1", "publish")
    assert done.state is StepState.SUCCEEDED and done.artifacts["workbook_id"] == WORKBOOK_ID
    assert IN_FLIGHT not in done.artifacts


def test_a_job_the_server_forgot_is_published_again(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    server.fail("GET", f"/jobs/{FORGOTTEN_JOB}", 404, NO_SUCH_JOB)

    class Recorded:
        values = {"workbook_job": FORGOTTEN_JOB}

        def recall(self) -> dict[str, str]:
            return dict(self.values)

        def record(self, values: dict[str, str]) -> None:
            self.values.update(values)

    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")
    journal = Recorded()
    result = publisher.publish(make_spec(), "DEMO-1", journal=journal)

    assert result.artifacts["workbook_id"] == WORKBOOK_ID
    assert len(server.requests("POST", "/workbooks")) == 1
    assert journal.values["workbook_job"] == WORKBOOK_JOB


def test_a_job_that_does_not_name_its_workbook_is_looked_up_by_name(
    server: TableauLoopback, reader: AdapterMartReader, tmp_path: Path, waits: Waits
) -> None:
    silent = re.sub(
        rb"<workbook [^>]*/>",
        b"",
        job_done(TSC_ASSETS, "job_get_by_id_failed_workbook.xml", WORKBOOK_JOB),
    )
    listed = (
        (TSC_ASSETS / "workbook_get.xml")
        .read_bytes()
        .replace(b'name="Superstore"', b'name="fct_customer_orders"')
    )
    server.fail("GET", f"/jobs/{WORKBOOK_JOB}", 200, silent)
    server.fail("GET", "/workbooks", 200, listed)
    publisher = make_publisher(reader, tmp_path, server.url, waits, project="default")

    result = publisher.publish(make_spec(), "DEMO-1")

    assert result.artifacts["workbook_id"] == "6d13b0ca-043d-4d42-8c9d-3f3313ea3a00"
    (lookup,) = server.requests("GET", "/workbooks")
    assert lookup.query["filter"] == ["name:eq:fct_customer_orders"]
