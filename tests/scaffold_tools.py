"""The real template engine and dialect rules, for tests that build scaffolding directly.

The app gets them from the composition root (``martflow.context``); a test constructing
``ProjectScaffolder`` or calling ``init_repo`` passes these.
"""

from __future__ import annotations

from martflow.integrations.cookiecutter_templates import CookiecutterRenderer
from martflow.integrations.sqlfluff_dialects import SqlfluffDialects

RENDERER = CookiecutterRenderer()
DIALECTS = SqlfluffDialects()
TOOLS = {"dialects": DIALECTS, "renderer": RENDERER}
"""``ProjectScaffolder(project, ..., **TOOLS)``."""
