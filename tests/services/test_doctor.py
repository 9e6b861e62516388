"""The doctor service over fakes: default checks, and an adapter's own ``doctor()`` capability."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from martflow.core.ports import SelfChecking, own_checks
from martflow.core.project import ProjectIndex
from martflow.errors import RemoteUnavailableError
from martflow.services.doctor import Check, run_checks
from tests.fakes.memory_tracker import MemoryTracker
from tests.fakes.ports import FakePorts, SelfCheckingTracker


class FakeDbt:
    def project_index(self) -> ProjectIndex:
        return ProjectIndex("shop")


class FakeWarehouse:
    def relation_columns(self, relations: object) -> list[object]:
        return []


class FakeRepository:
    def current_branch(self) -> str:
        return "DEMO-1-orders"


@pytest.fixture
def ports(tmp_path: Path) -> FakePorts:
    ports = FakePorts(
        tmp_path / "repo",
        dbt_runner=FakeDbt(),
        warehouse_adapter=FakeWarehouse(),
        repository_adapter=FakeRepository(),
    )
    ports.tracker.create_ticket("Customer orders")
    subprocess.run(["git", "init", "-q", str(ports.root)], check=True)
    for key, value in (("user.email", "a@example.com"), ("user.name", "A")):
        subprocess.run(["git", "-C", str(ports.root), "config", key, value], check=True)
    return ports


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_tracker_without_its_own_checks_gets_the_default_ones(ports: FakePorts) -> None:
    checks = by_name(run_checks(ports))

    assert checks["tracker"] == Check("tracker", True, "local tracker reachable, 1 tickets")
    assert checks["statuses"].ok
    assert checks["git"] == Check("git", True, "on branch DEMO-1-orders")
    assert not checks["dbt project"].ok  # no dbt_project.yml in the fake repo
    assert checks["dbt project"].detail.startswith("missing ")
    # The warehouse check needs the dbt project: skipped, saying why.
    assert checks["warehouse"] == Check("warehouse", False, "dbt project failed", skipped=True)
    assert checks["templates"] == Check(
        "templates", True, "martflow's own (no [scaffold] templates_dir)"
    )


def test_the_warehouse_is_checked_once_the_dbt_project_is_there(ports: FakePorts) -> None:
    (ports.root / "dbt_project.yml").write_text("name: shop\n")
    (ports.root / "profiles.yml").write_text("shop: {}\n")
    checks = by_name(run_checks(ports))
    assert checks["dbt project"].ok
    assert checks["warehouse"].detail.startswith("the warehouse answered select 1; dbt parses shop")


def test_a_tracker_that_checks_itself_replaces_the_default_tracker_checks(
    ports: FakePorts,
) -> None:
    ports.tracker = SelfCheckingTracker([("jira", True, "reachable"), ("auth", False, "401")])

    checks = run_checks(ports)

    names = [c.name for c in checks]
    assert names[:2] == ["jira", "auth"]
    assert "tracker" not in names and "statuses" not in names
    assert by_name(checks)["auth"] == Check("auth", False, "401")
    assert ports.tracker.calls["list_tickets"] == 0


def test_a_failing_self_check_is_one_failed_tracker_line(ports: FakePorts) -> None:
    class Unreachable(SelfCheckingTracker):
        def doctor(self) -> list[tuple[str, bool, str]]:
            raise RemoteUnavailableError("Jira did not answer", applied=False)

    ports.tracker = Unreachable([])

    checks = run_checks(ports)

    assert checks[0] == Check("tracker", False, "Jira did not answer")
    assert "statuses" not in by_name(checks)


def test_the_capability_is_optional() -> None:
    assert not isinstance(MemoryTracker(), SelfChecking)
    assert own_checks(MemoryTracker()) is None
    assert own_checks(SelfCheckingTracker([("x", True, "y")])) == [("x", True, "y")]
