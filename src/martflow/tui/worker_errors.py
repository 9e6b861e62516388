"""Crashed workers of screens, dialogs and panels reach the app's one error dialog.

Textual posts ``Worker.StateChanged`` to the node that started the worker and does not
bubble it, so without this a crash in a screen's worker would pass silently.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from martflow.errors import MartflowError


class ForwardsWorkerErrors:
    """Mix into a Screen or Widget whose workers may fail unexpectedly."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            # mypy: a mixin: the host is a Widget or Screen
            show_worker_error(self.app, event.worker)  # type: ignore[attr-defined]


def show_worker_error(app: object, worker: Worker[object]) -> None:
    """Open the error dialog for a failed worker: a MartflowError's title and message."""
    error = worker.error
    if error is None:
        return
    if isinstance(error, MartflowError):
        title, message = error.title, error.message
    else:
        title, message = "Something went wrong", f"{type(error).__name__}: {error}"
    # mypy: MartflowApp.show_error; the app is passed untyped
    app.show_error(title, message)  # type: ignore[attr-defined]
