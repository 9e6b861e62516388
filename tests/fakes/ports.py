"""Every port a service takes (``martflow.services.ports``), over fakes: no AppContext.

The tracker is a ``MemoryTracker``, the ledger a real SQLite ledger in a temporary
folder, the project a default configuration rooted there; the engine runs no steps
(services only deliver queued updates with it). Adapters a test needs are set as
attributes (``ports.dbt_runner = ...``); asking for one that was not set fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from martflow.config import Config, Project
from martflow.core.ports import DoctorLine
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.events import EventSink, ignore
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.settings import PipelineSettings
from tests.fakes.memory_tracker import MemoryTracker


def no_sleep(seconds: float) -> None:
    """Retries in tests do not wait."""


@dataclass
class FakePorts:
    """The services' ports for a project rooted at ``root``."""

    root: Path
    tracker: Any = field(default_factory=MemoryTracker)
    dbt_runner: Any = None
    warehouse_adapter: Any = None
    scaffolder_adapter: Any = None
    repository_adapter: Any = None
    warehouse_answer: str = "the warehouse answered select 1"
    default_branch: str | None = "main"

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        config_path = self.root / "config.toml"
        config_path.touch()
        self.project = Project(Config(), config_path)
        self.ledger = Ledger(self.project.state_dir / "state.db")

    @property
    def settings(self) -> PipelineSettings:
        return PipelineSettings(root=self.project.root, specs_dir=self.project.specs_dir)

    def engine(self, on_event: EventSink | None = None) -> Engine:
        return Engine(
            self.ledger,
            self.tracker,
            {},
            lambda step: None,
            policy=RetryPolicy(attempts=2, sleep=no_sleep),
            on_event=on_event or ignore,
        )

    def dbt(self) -> Any:
        return _required(self.dbt_runner, "dbt_runner")

    def warehouse(self) -> Any:
        return _required(self.warehouse_adapter, "warehouse_adapter")

    def scaffolder(self) -> Any:
        return _required(self.scaffolder_adapter, "scaffolder_adapter")

    def repository(self) -> Any:
        return _required(self.repository_adapter, "repository_adapter")

    def ping_warehouse(self) -> str:
        return self.warehouse_answer

    def default_branch_ref(self) -> str | None:
        return self.default_branch

    def own_templates(self) -> tuple[Path, list[str], list[str]] | None:
        return None  # martflow's own templates

    def publisher(self) -> Any:
        raise AssertionError("local mode: doctor does not need the publisher")


class SelfCheckingTracker(MemoryTracker):
    """A ``MemoryTracker`` that declares the optional ``doctor()`` capability."""

    def __init__(self, lines: list[DoctorLine]) -> None:
        super().__init__()
        self.lines = lines

    def doctor(self) -> list[DoctorLine]:
        return list(self.lines)


def _required(adapter: Any, name: str) -> Any:
    if adapter is None:
        raise AssertionError(f"this test did not give FakePorts a {name}")
    return adapter
