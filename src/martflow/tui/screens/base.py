"""The base of martflow's screens and what they may ask of the app, without importing it.

``MartflowHost`` is the app as screens, panels and dialogs see it: a Protocol, so no module
of the TUI imports ``app.py`` back (the app imports them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from textual.screen import Screen

from martflow.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from martflow.context import AppContext

ResultT = TypeVar("ResultT")


class MartflowHost(Protocol):
    """What the app offers its screens: the context, the error dialog, the outbox count."""

    context: AppContext

    def show_error(self, title: str, message: str) -> None: ...

    def count_queued(self, unreachable: str = "") -> object: ...

    def refresh_outbox_bars(self) -> None: ...


def host_of(node: object) -> MartflowHost:
    """The running app of a screen, panel or dialog, typed as martflow's."""
    # mypy: any DOM node has .app; the node is passed untyped
    return cast("MartflowHost", node.app)  # type: ignore[attr-defined]


class MartflowScreen(ForwardsWorkerErrors, Screen[ResultT]):
    """A screen of martflow's app: ``self.martflow`` is the app, typed."""

    @property
    def martflow(self) -> MartflowHost:
        return cast("MartflowHost", self.app)
