"""One sqlfluff ``Linter`` per project: loaded in the background, reused across files and calls.

Importing sqlfluff and building its config (plugins, dialect, rules) costs most of a small
lint. The loader starts that work in a thread as soon as a lint is asked for, while the
caller asks git what changed and looks files up in the result cache; a lint the cache
answers fully never waits for it. The ``Linter`` is kept while the project's sqlfluff
configuration is unchanged, so a fix's re-lint and the TUI's next lint reuse it.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from martflow.background_import import SQLFLUFF, SQLFLUFF_SKIPS, wait_for_import
from martflow.errors import LintError
from martflow.project_scaffold.lint_library import write_library

if TYPE_CHECKING:
    from sqlfluff.core import FluffConfig, Linter

PARALLEL_FROM = 8
"""Files to lint before sqlfluff's worker processes pay for their start (one per core)."""


@dataclass(frozen=True)
class SqlfluffOptions:
    """What a project's lint overrides in its ``.sqlfluff`` (empty: the file's own)."""

    dialect: str | None = None
    """Overrides the ``.sqlfluff`` dialect when given (else the file's, else duckdb)."""
    templater: str | None = None
    """Overrides the ``.sqlfluff`` templater when given (else the file's, else jinja)."""
    rules: tuple[str, ...] = ()
    """Rules to run; empty means the ``.sqlfluff`` selection."""


@dataclass(frozen=True)
class LintedFile:
    """What sqlfluff found in one file."""

    path: str
    violations: list[tuple[int, int, str, str]]
    """(line, column, code, description) of each finding."""
    fixed_text: str | None
    """The fixed text, when fixing was asked and changed the file."""
    encoding: str


class SqlfluffRunner:
    """Lints files with one shared sqlfluff ``Linter`` for a project folder."""

    def __init__(
        self,
        project_dir: Path,
        options: SqlfluffOptions,
        *,
        processes: int | None = None,
        library_dir: Path | None = None,
    ) -> None:
        self.project_dir = project_dir
        self.library_dir = library_dir or project_dir / ".martflow" / "sqlfluff-libs"
        """Where the dialect's jinja stand-ins go for a project that names no library_path."""
        self.options = options
        self.processes = processes
        """Worker processes; None: one per core once there are PARALLEL_FROM files."""
        self.builds = 0
        """How many ``Linter`` objects were built (a reused one is not counted again)."""
        self._lock = threading.Lock()
        self._pending: Future[tuple[str, Linter]] | None = None
        self._linter: tuple[str, Linter] | None = None

    def preload(self, config_key: Callable[[], str]) -> None:
        """Start importing sqlfluff and building the ``Linter`` in a thread, if not done.

        ``config_key`` names the configuration (it is called in the thread); a later
        :meth:`lint` with another key builds a new ``Linter``.
        """
        with self._lock:
            if self._pending is not None or self._linter is not None:
                return
            future: Future[tuple[str, Linter]] = Future()
            self._pending = future

        def load() -> None:
            try:
                key = config_key()
                future.set_result((key, self._build()))
            except BaseException as exc:  # re-raised in the thread that lints
                future.set_exception(exc)

        threading.Thread(target=load, name="martflow-sqlfluff-load", daemon=True).start()

    def lint(self, paths: Sequence[str], fix: bool, config_key: str) -> dict[str, LintedFile]:
        """Lint ``paths`` (absolute), fixing them in memory with ``fix``; keyed by path."""
        with self._lock:
            # First wait for the loader: importing sqlfluff from two threads at once
            # deadlocks on its circular package imports.
            linter = self._linter_for(config_key)
            from sqlfluff.core.errors import SQLFluffUserError

            processes = self.processes or (
                os.cpu_count() or 1 if len(paths) >= PARALLEL_FROM else 1
            )
            try:
                result = linter.lint_paths(
                    tuple(paths), fix=fix, ignore_files=False, processes=processes
                )
            except SQLFluffUserError as exc:
                raise LintError(f"sqlfluff cannot lint {self.project_dir}: {exc}") from exc
        out: dict[str, LintedFile] = {}
        for linted_dir in result.paths:
            for linted in linted_dir.files:
                rows = [
                    (int(v.line_no or 1), int(v.line_pos or 1), v.rule_code(), v.desc())
                    for v in linted.get_violations()
                ]
                fixed_text = None
                if fix and not any(row[2] in UNFIXABLE_CODES for row in rows):
                    text, ok = linted.fix_string()
                    source = linted.templated_file.source_str if linted.templated_file else text
                    if ok and text != source:
                        fixed_text = text
                out[linted.path] = LintedFile(linted.path, rows, fixed_text, linted.encoding)
        return out

    def _linter_for(self, config_key: str) -> Linter:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._linter = pending.result()  # the preload's error, if any, is raised here
        if self._linter is None or self._linter[0] != config_key:
            self._linter = (config_key, self._build())
        return self._linter[1]

    def _build(self) -> Linter:
        # sqlfluff costs ~0.3 s to import and as much to configure: done once per config.
        wait_for_import(SQLFLUFF, skip=SQLFLUFF_SKIPS)
        from sqlfluff.core import Linter

        linter = Linter(config=self._fluff_config())
        self.builds += 1
        return linter

    def _fluff_config(self) -> FluffConfig:
        from sqlfluff.core import FluffConfig
        from sqlfluff.core.config import clear_config_caches, load_config_up_to_path

        # sqlfluff memoizes config files by path for the life of the process: a TUI
        # session would keep linting with a .sqlfluff edited since.
        clear_config_caches()
        root = str(self.project_dir)
        overrides: dict[str, Any] = {}
        if self.options.dialect:
            overrides["dialect"] = self.options.dialect
        if self.options.templater:
            overrides["templater"] = self.options.templater
        if self.options.rules:
            overrides["rules"] = ",".join(self.options.rules)
        core = load_config_up_to_path(root).get("core", {})
        core = core if isinstance(core, dict) else {}
        for key, default in (("dialect", "duckdb"), ("templater", "jinja")):
            if not overrides.get(key) and not core.get(key):
                overrides[key] = default  # overrides would also beat nested .sqlfluff files
        if not _configured_library(load_config_up_to_path(root)):
            # `adapter.quote` and `dbt.cast`... for jinja, written for the dialect
            named = str(overrides.get("dialect") or core.get("dialect"))
            library = write_library(self.library_dir / named, named)
            overrides["library_path"] = str(library)
        templater = overrides.get("templater") or core.get("templater")
        check_templater(str(templater) if templater else None)
        try:
            return FluffConfig.from_path(root, overrides=overrides)
        except KeyError as exc:  # sqlfluff's answer to an unknown dialect
            dialect = overrides.get("dialect") or core.get("dialect")
            raise LintError(f"unknown sqlfluff dialect {dialect!r} for {root}") from exc


UNFIXABLE_CODES = frozenset({"PRS", "TMP"})
"""Templating and parse errors: sqlfluff cannot fix a file that has them."""


def _configured_library(config: dict[str, Any]) -> bool:
    """True when the project's sqlfluff config names its own jinja ``library_path``."""
    core = config.get("core", {})
    templater = config.get("templater", {})
    jinja = templater.get("jinja", {}) if isinstance(templater, dict) else {}
    return bool(
        (isinstance(core, dict) and core.get("library_path"))
        or (isinstance(jinja, dict) and jinja.get("library_path"))
    )


def check_templater(templater: str | None) -> None:
    """The dbt templater needs its plugin: say so before sqlfluff fails obscurely."""
    if templater == "dbt" and importlib.util.find_spec("sqlfluff_templater_dbt") is None:
        raise LintError(
            "the dbt templater needs sqlfluff-templater-dbt: "
            "pip install sqlfluff-templater-dbt (or set templater = jinja)"
        )
