"""The CLI state the root group fills in: global options, and the context built on first use.

Kept free of heavy imports: the root group imports it for `--help` and `--version` too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from martflow.context import AppContext
    from martflow.core.workflow.events import Event


class CliState:
    """Global options, and the AppContext built from them on first use."""

    def __init__(
        self, config_path: Path | None = None, json: bool = False, verbose: bool = False
    ) -> None:
        self.config_path = config_path
        self.json = json
        self.verbose = verbose
        self._context: AppContext | None = None
        self.extra_checks: list[tuple[str, Callable[[Any], str]]] = []
        """Checks `doctor` runs for the front ends (the root adds the TUI's `[keys]`)."""

    def context(self) -> AppContext:
        if self._context is None:
            # The config, the engine and pydantic load only for a command that needs them.
            from martflow.context import AppContext

            self.use(AppContext.load(self.config_path, on_event=self.render_event))
        # mypy: use() has just set it
        return self._context  # type: ignore[return-value]

    def use(self, context: AppContext) -> None:
        """Work on ``context`` from now on (closed with the command)."""
        self._context = context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()

    def render_event(self, event: Event) -> None:
        """Progress goes to stderr, so stdout stays the command's result."""
        from martflow.commands.progress import echo_event

        echo_event(event, self.verbose)


def is_tty() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
