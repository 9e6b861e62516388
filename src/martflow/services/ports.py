"""What services need from the composition root: one small protocol per adapter.

A service names the ports it uses (``class Ports(HasTracker, HasLedger, Protocol)``)
instead of taking ``AppContext``; the context satisfies every one of them, and tests
pass the fakes in ``tests/fakes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from martflow.config import Project
    from martflow.core.ports import (
        DbtRunner,
        Linter,
        Repository,
        Scaffolder,
        SqlDialects,
        Tracker,
        Warehouse,
    )
    from martflow.core.workflow.engine import Engine
    from martflow.core.workflow.events import EventSink
    from martflow.core.workflow.ledger import Ledger
    from martflow.core.workflow.settings import PipelineSettings


class HasProject(Protocol):
    """The project's paths and its configuration (``project.config``)."""

    @property
    def project(self) -> Project: ...


class HasTracker(Protocol):
    """The ticket tracker."""

    @property
    def tracker(self) -> Tracker: ...


class HasLedger(Protocol):
    """The local state: step records and the outbox of tracker updates."""

    @property
    def ledger(self) -> Ledger: ...


class HasEngine(Protocol):
    """Runs steps and delivers queued tracker updates."""

    def engine(self, on_event: EventSink | None = None) -> Engine: ...


class HasDbt(Protocol):
    """The warm dbt worker."""

    def dbt(self) -> DbtRunner: ...


class HasWarehouse(Protocol):
    """Source introspection through the project's dbt adapter."""

    def warehouse(self) -> Warehouse: ...


class HasLinter(Protocol):
    """sqlfluff over the project's models."""

    def linter(self) -> Linter: ...


class HasScaffolder(Protocol):
    """Plans and writes the dbt models a spec asks for."""

    def scaffolder(self) -> Scaffolder: ...


class HasSqlDialects(Protocol):
    """The lint dialects' identifier rules (which names need quoting)."""

    def sql_dialects(self) -> SqlDialects: ...


class HasRepository(Protocol):
    """The analytics repository under git."""

    def repository(self) -> Repository: ...


class HasSettings(Protocol):
    """The configuration the steps need, resolved to paths."""

    @property
    def settings(self) -> PipelineSettings: ...
