"""Import a heavy library in a background thread, once per process.

A command that will need sqlfluff starts its import first thing, so it runs while the
command reads its configuration and asks git what changed. Only ever one thread imports a
given module: two at once can deadlock on a library's circular package imports.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future

SQLFLUFF = "sqlfluff.core"
SQLFLUFF_SKIPS = ("pytest",)
"""sqlfluff imports pytest, when installed, only to register assertion rewriting for its
own test helpers (~0.1 s of a small lint); a process without pytest loaded skips it."""

_imports: dict[str, Future[None]] = {}
_lock = threading.Lock()


def start_import(module: str, *, skip: Sequence[str] = ()) -> None:
    """Start importing ``module`` in a thread unless started already.

    ``skip`` names optional imports of the library that this process does not need: while
    ``module`` loads they answer "not installed" (unless already loaded).
    """
    with _lock:
        if module in _imports:
            return
        future = _imports[module] = Future()

    def run() -> None:
        try:
            _import_skipping(module, skip)
            future.set_result(None)
        except BaseException as exc:  # re-raised by wait_for_import
            future.set_exception(exc)

    threading.Thread(target=run, name=f"martflow-import-{module}", daemon=True).start()


def wait_for_import(module: str, *, skip: Sequence[str] = ()) -> None:
    """Return once ``module`` is imported (starting it now if nobody did)."""
    start_import(module, skip=skip)
    _imports[module].result()


def _import_skipping(module: str, skip: Sequence[str]) -> None:
    blocked = [name for name in skip if name not in sys.modules]
    for name in blocked:
        # mypy: None in sys.modules is Python's documented way to make an import fail
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        importlib.import_module(module)
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
