"""Service tests reuse the TUI's contexts (an empty project, the demo repo)."""

from tests.tui.conftest import demo_context, empty_context

__all__ = ["demo_context", "empty_context"]
