"""Progress lines: each engine event as one line on stderr (stdout stays the result)."""

from __future__ import annotations

import click

from martflow.core.models import StepState
from martflow.core.safe_text import visible
from martflow.core.workflow.events import (
    Event,
    StepFinished,
    StepProgress,
    StepStarted,
    UpdateDelivered,
    UpdateFailed,
    UpdateQueued,
)

_STATE_MARK = {
    StepState.SUCCEEDED: "ok",
    StepState.FAILED: "FAILED",
    StepState.SKIPPED: "skipped",
    StepState.PENDING: "pending",
    StepState.RUNNING: "running",
}


def echo_event(event: Event, verbose: bool) -> None:
    """One progress line on stderr, so stdout stays the command's result."""
    line = _event_line(event, verbose)
    if line:
        click.echo(visible(line), err=True)


def _event_line(event: Event, verbose: bool) -> str:
    match event:
        case StepStarted(key=key, step=step):
            return f"-> {key} {step}"
        case StepProgress(step=step, message=message):
            return f"   {step}: {message}"
        case StepFinished(key=key, step=step, state=state, detail=detail):
            return f"   {key} {step}: {_STATE_MARK[state]}{' - ' + detail if detail else ''}"
        case UpdateDelivered(kind=kind, target=target) if verbose:
            return f"   tracker: {kind} delivered ({target})"
        case UpdateQueued(kind=kind, reason=reason):
            return f"   tracker unreachable, {kind} queued: {reason}"
        case UpdateFailed(kind=kind, target=target):
            return f"   tracker: {kind} {target} FAILED (why: below)"
    return ""
