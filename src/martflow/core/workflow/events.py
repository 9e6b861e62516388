"""Events the engine emits while it works; both front ends render them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from martflow.core.models import StepState


@dataclass(frozen=True)
class StepStarted:
    key: str
    step: str


@dataclass(frozen=True)
class StepProgress:
    key: str
    step: str
    message: str


@dataclass(frozen=True)
class StepFinished:
    key: str
    step: str
    state: StepState
    detail: str


@dataclass(frozen=True)
class UpdateDelivered:
    key: str
    kind: str
    target: str


@dataclass(frozen=True)
class UpdateQueued:
    key: str
    kind: str
    target: str
    reason: str


@dataclass(frozen=True)
class UpdateFailed:
    """The tracker refused an update for good (e.g. a transition's required fields)."""

    key: str
    kind: str
    target: str
    reason: str


Event = StepStarted | StepProgress | StepFinished | UpdateDelivered | UpdateQueued | UpdateFailed
EventSink = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """An event sink that drops everything."""
