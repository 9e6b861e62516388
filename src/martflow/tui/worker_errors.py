"""Crashed workers of screens, dialogs and panels reach the app's one error dialog.

Textual posts ``Worker.StateChanged`` to the node that started the worker and does not
bubble it, so without this a crash in a screen's worker would pass silently.
"""

from __future__ import annotations

from typing import Protocol

from textual.worker import Worker, WorkerState

from martflow.errors import MartflowError, SpecError


class ShowsErrors(Protocol):
    """The app, as far as errors go."""

    def show_error(self, title: str, message: str) -> None: ...


class ForwardsWorkerErrors:
    """Mix into a Screen or Widget whose workers may fail unexpectedly."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            show_worker_error(getattr(self, "app", None), event.worker)  # a Widget's or Screen's


def error_text(error: MartflowError) -> str:
    """A MartflowError's message; a spec's problems in full, with the key that fixes them."""
    if isinstance(error, SpecError) and len(error.problems) > 1:
        problems = "\n".join(f"  • {problem}" for problem in error.problems)
        return f"{len(error.problems)} problems:\n{problems}\n\nNext: press e to edit the spec."
    if isinstance(error, SpecError):
        return f"{error.message}\n\nNext: press e to edit the spec."
    return error.message


def show_worker_error(app: object, worker: Worker[object]) -> None:
    """Open the error dialog for a failed worker: a MartflowError's title and message."""
    error = worker.error
    if error is None:
        return
    if isinstance(error, MartflowError):
        title, message = error.title, error_text(error)
    else:
        title, message = "Something went wrong", f"{type(error).__name__}: {error}"
    # mypy: the app is passed untyped; it is the martflow app (app.py)
    shows: ShowsErrors = app  # type: ignore[assignment]
    shows.show_error(title, message)
