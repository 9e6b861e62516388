"""Domain value objects shared by the engine, the front ends and the adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from martflow.core.document import Document
from martflow.core.naming import mart_model

STEP_NAMES: tuple[str, ...] = (
    "start",
    "scaffold",
    "lint",
    "build",
    "document",
    "commit",
    "publish",
)
"""The pipeline's steps, in the order they run."""


class StepState(StrEnum):
    """Where a step stands in the ledger."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxState(StrEnum):
    """Lifecycle of a queued tracker update (reliability rule 2)."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Nothing to deliver (e.g. no transition leads to the status); see last_error."""


@dataclass(frozen=True)
class Comment:
    """A comment on a ticket, as the tracker stores it."""

    id: str
    body: str
    created: datetime
    author: str = ""


@dataclass(frozen=True)
class Ticket:
    """A tracker ticket: what the PM asked for."""

    key: str
    summary: str
    status: str
    description: str = ""
    comments: tuple[Comment, ...] = ()


@dataclass(frozen=True)
class SourceRef:
    """One input of a spec: a raw table ``source.table``, or a bare model or seed name.

    A bare name has an empty ``source`` and the name as ``table``: column references use
    ``table`` either way (``orders.order_id``, ``stg_orders.order_id``).
    """

    source: str
    table: str

    @property
    def name(self) -> str:
        """How the spec writes it: ``shop.orders`` or ``stg_orders``."""
        return f"{self.source}.{self.table}" if self.source else self.table

    @property
    def is_ref(self) -> bool:
        """True for a bare model or seed name (selected with ``ref()``)."""
        return not self.source


@dataclass(frozen=True)
class ColumnRef:
    """A column of a staged table, written ``table.column`` in a spec."""

    table: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class JoinSpec:
    """An equi-join between two tables of the spec."""

    left: ColumnRef
    right: ColumnRef


Aggregate = Literal["count", "sum", "avg", "min", "max"]


@dataclass(frozen=True)
class Measure:
    """A named aggregate over one column (or ``count(*)`` when column is None)."""

    name: str
    function: Aggregate
    column: ColumnRef | None = None
    distinct: bool = False
    rolling: int = 0
    """Periods of the spec's time grain the measure is summed over (0: not rolling)."""

    @property
    def expr(self) -> str:
        """The normalized expression, as the spec would write it."""
        if self.column is None:
            return f"{self.function}(*)"
        inner = f"distinct {self.column}" if self.distinct else str(self.column)
        return f"{self.function}({inner})"


TimeGrainName = Literal["day", "week", "month"]


@dataclass(frozen=True)
class TimeGrain:
    """The mart's time axis: ``column`` truncated to ``grain``, added to the mart's grain."""

    column: ColumnRef
    grain: TimeGrainName

    @property
    def name(self) -> str:
        """The mart column holding the period, ``<column>_<grain>``."""
        return f"{self.column.column}_{self.grain}"


@dataclass(frozen=True)
class TicketSpec:
    """A validated ticket spec: which sources, how they join, what the mart holds."""

    sources: tuple[SourceRef, ...]
    mart: str
    kind: Literal["fact", "dimension"]
    grain: tuple[ColumnRef, ...]
    joins: tuple[JoinSpec, ...] = ()
    dimensions: tuple[ColumnRef, ...] = ()
    measures: tuple[Measure, ...] = ()
    dashboard: str = ""
    incremental: ColumnRef | None = None
    """The column whose newer values mark changed rows: the mart is built incrementally."""
    time: TimeGrain | None = None
    partition_by: tuple[ColumnRef, ...] = ()
    """Mart columns the warehouse lays the table out by (Spark/BigQuery partitions, ...)."""
    pii: tuple[ColumnRef, ...] = ()
    """Input columns holding personal data: staging hashes, masks or drops them."""
    unclean: tuple[ColumnRef, ...] = ()
    """Input columns staging passes through as they are (``clean: {t.c: false}``)."""
    clean: bool = True
    """False (``clean: false``): no flag or category cleaning on any column."""

    @property
    def mart_model(self) -> str:
        """The mart's dbt model name, ``fct_<mart>`` or ``dim_<mart>``."""
        return mart_model(self.kind, self.mart)

    def to_dict(self) -> dict[str, object]:
        """The spec in its YAML shape (for --json and for saving)."""
        shape: dict[str, object] = {
            "sources": [s.name for s in self.sources],
            "joins": [f"{j.left} = {j.right}" for j in self.joins],
            "mart": self.mart,
            "kind": self.kind,
            "grain": [str(g) for g in self.grain],
            "dimensions": [str(d) for d in self.dimensions],
            "measures": [
                {"name": m.name, "expr": m.expr, **({"rolling": m.rolling} if m.rolling else {})}
                for m in self.measures
            ],
            "dashboard": self.dashboard,
            **({"incremental": {"key": str(self.incremental)}} if self.incremental else {}),
            **(
                {"time": {"column": str(self.time.column), "grain": self.time.grain}}
                if self.time
                else {}
            ),
        }
        if self.partition_by:
            shape["partition_by"] = [str(c) for c in self.partition_by]
        if self.pii:
            shape["pii"] = [str(c) for c in self.pii]
        if not self.clean:
            shape["clean"] = False
        elif self.unclean:
            shape["clean"] = {str(c): False for c in self.unclean}
        return shape


@dataclass(frozen=True)
class TrackerUpdate:
    """What a step asks the tracker to show: a status to reach and a comment."""

    comment: str
    status: str | None = None


@dataclass(frozen=True)
class StepOutcome:
    """What a step function returns to the engine."""

    ok: bool
    detail: str = ""
    artifacts: dict[str, object] = field(default_factory=dict)
    comment: Document | None = None
    """What to tell the PM (see ``core.workflow.comments``); None: nothing."""
    link: tuple[str, str] | None = None
    """(url, title) of a web page to link from the ticket, e.g. the published workbook."""
    page: str | None = None
    """A data dictionary page to publish (``DictionaryPage.to_payload``), through the outbox."""


@dataclass(frozen=True)
class StepRecord:
    """A step's row in the ledger."""

    name: str
    state: StepState
    started: datetime | None = None
    finished: datetime | None = None
    detail: str = ""
    artifacts: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state.value,
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class OutboxEntry:
    """A queued tracker update (one transition or one comment)."""

    op_id: str
    key: str
    step: str
    kind: Literal["transition", "comment", "link", "page"]
    target: str
    payload: str
    state: OutboxState
    attempts: int = 0
    last_error: str = ""
    remote_id: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "target": self.target,
            "attempts": self.attempts,
            "last_error": self.last_error or None,
            "state": self.state.value,
            "op_id": self.op_id,
        }


@dataclass(frozen=True)
class ColumnInfo:
    """A warehouse column as the dbt adapter reports it."""

    name: str
    data_type: str


PROFILE_SAMPLE = 10_000
"""Rows of a raw table scaffolding profiles (its first ones): big tables are never scanned."""
MAX_CATEGORIES = 20
"""The most distinct values a text column may have to be a category."""


@dataclass(frozen=True)
class ColumnProfile:
    """A text column's normalized values in the sample (a bounded number of them).

    Attributes:
        values: ``(lower(trim(value)), rows)`` pairs, nulls left out.
        rows: rows in the sample.
        sampled: True when the table has more rows than the sample read.
    """

    values: tuple[tuple[str, int], ...] = ()
    rows: int = 0
    sampled: bool = False


@dataclass(frozen=True)
class TableInfo:
    """A raw table a spec may name as ``source.table``, with its real columns."""

    source: str
    schema: str
    table: str
    columns: tuple[ColumnInfo, ...] = ()

    @property
    def ref(self) -> SourceRef:
        return SourceRef(self.source, self.table)


@dataclass(frozen=True)
class PlannedFile:
    """A file scaffolding wants to write, with the diff against what is there."""

    path: str
    content: str
    action: Literal["create", "update", "unchanged", "conflict"]
    diff: str = ""


@dataclass(frozen=True)
class ScaffoldPlan:
    """Every file a spec scaffolds, in write order, and what the build should watch."""

    files: tuple[PlannedFile, ...]
    models: tuple[str, ...] = ()
    """The models martflow generates, upstream first (the build step builds these)."""
    grain_tests: tuple[str, ...] = ()
    """dbt's names of the unique tests that guard the mart's grain."""
    fanout: tuple[str, ...] = ()
    """Joins that can repeat rows at the grain, as "table (left = right)"."""
    base: str = ""
    """The model the joins start from: the grain's input."""
    warnings: tuple[str, ...] = ()
    """Parts of the spec the target warehouse cannot honour (ignored, and said so)."""
    governance: tuple[str, ...] = ()
    """What staging does to personal data and profiled columns, one line per column."""

    @property
    def changes(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in self.files if f.action in {"create", "update"})


@dataclass(frozen=True)
class PublishResult:
    """Where a workbook went; a dry run's sketch (``sketch_at(width, height)``: at any size)."""

    location: str
    artifacts: dict[str, str] = field(default_factory=dict)
    sketch: str = ""
    """A dry run's text sketch of the dashboard (``artifacts["sketch"]``: the PNG)."""
    sketch_at: Callable[[int, int], str] | None = field(default=None, compare=False, repr=False)
