"""sqlfluff lint/fix of the project's models, changed-file selection, fix previews."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from martflow.core.lint_fixes import FileFix
from martflow.core.reports import LintReport, LintViolation
from martflow.errors import LintError
from martflow.integrations.lint_cache import LintCache
from martflow.integrations.lint_files import SQL_SUFFIX, LintFile, LintFileSelector, model_paths
from martflow.integrations.sqlfluff_runner import SqlfluffOptions, SqlfluffRunner, check_templater


class SqlfluffLinter:
    """The ``Linter`` port on sqlfluff's Python API, with a content-hash result cache.

    Args:
        project_dir: the dbt project; paths are reported relative to it.
        dialect: overrides the ``.sqlfluff`` dialect when given (else the file's, else duckdb).
        templater: overrides the ``.sqlfluff`` templater when given (else the file's, else jinja).
        rules: rules to run; empty means the ``.sqlfluff`` selection.
        cache_dir: where results are cached (one JSON per file version); None disables it.
        processes: sqlfluff worker processes for cache misses; None: every core for a
            large lint, one for a few files.
    """

    def __init__(
        self,
        project_dir: Path,
        *,
        dialect: str | None = None,
        templater: str | None = None,
        rules: Sequence[str] = (),
        cache_dir: Path | None = None,
        processes: int | None = None,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.options = SqlfluffOptions(dialect, templater, tuple(rules))
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._cache = LintCache(self.project_dir, self.options, self.cache_dir)
        self._files = LintFileSelector(self.project_dir)
        self._runner = SqlfluffRunner(
            self.project_dir,
            self.options,
            processes=max(1, processes) if processes is not None else None,
            library_dir=(self.cache_dir or self.project_dir / ".martflow") / "sqlfluff-libs",
        )
        self._lock = threading.Lock()
        self.sqlfluff_runs = 0
        """How many times sqlfluff itself ran (a fully cached lint leaves it unchanged)."""

    # -- public API -------------------------------------------------------------------------

    def lint(self, paths: Sequence[Path], fix: bool = False) -> LintReport:
        """Lint (and with ``fix`` rewrite) SQL files; no paths means the model folders.

        Relative paths are taken from the project folder. Folders are searched for
        ``.sql`` files, honouring ``.sqlfluffignore`` and ``ignore_paths``.
        """
        with self._lock:  # one lint at a time: the TUI may ask from two workers
            files = self._select(paths)
            results, misses = self._cached(files, fix)
            fixed = 0
            changed: tuple[str, ...] = ()
            if misses:
                linted, fixed, changed = self._run(misses, fix)
                results.update(linted)
        violations = [v for file in files for v in results.get(file.rel, [])]
        return LintReport(len(files), tuple(violations), fixed, changed)

    def preview_fixes(self, paths: Sequence[Path]) -> tuple[FileFix, ...]:
        """What ``lint(paths, fix=True)`` would rewrite, without writing anything."""
        with self._lock:
            files = self._select(paths)
            _, misses = self._cached(files, fix=True)
            if not misses:
                return ()
            linted = self._sqlfluff(misses, fix=True)
        fixes = []
        for file in misses:
            violations, fixed_text, encoding = linted.get(file.rel, ([], None, ""))
            if fixed_text is not None:
                before = file.path.read_bytes().decode(encoding)
                fixes.append(FileFix(file.rel, before, fixed_text, encoding, len(violations)))
        return tuple(fixes)

    def apply_fixes(self, fixes: Sequence[FileFix]) -> LintReport:
        """Write previewed fixes (each file atomically), then lint the files again.

        Raises:
            LintError: a file changed since the preview (then nothing is written).
        """
        from martflow.project_scaffold.atomic import atomic_write_bytes

        targets = [(self.project_dir / fix.path, fix) for fix in fixes]
        for path, fix in targets:
            try:
                unchanged = path.read_bytes() == fix.before.encode(fix.encoding)
            except OSError as exc:
                raise LintError(f"cannot read {fix.path}: {exc.strerror}") from exc
            if not unchanged:
                raise LintError(f"{fix.path} changed since the fix was shown; nothing written")
        for path, fix in targets:
            atomic_write_bytes(path, fix.after.encode(fix.encoding))
        report = self.lint([path for path, _ in targets])
        fixed = sum(max(0, f.violations - _count(report, f.path)) for f in fixes)
        changed = tuple(f.path for f in fixes)
        return LintReport(report.files, report.violations, fixed, changed)

    def lint_changed(
        self,
        base: str | None = None,
        fix: bool = False,
        *,
        lines_only: bool = False,
        default_branch: str = "main",
        remote: str = "origin",
        environ: Mapping[str, str] | None = None,
    ) -> LintReport:
        """Lint the models changed against the base, plus uncommitted and untracked ones.

        The base is found by ``changes.find_base`` (``base``, the CI's variables,
        ``default_branch``, the remote's HEAD). Only ``.sql`` files under the model
        folders that still exist are linted. With ``lines_only``, only findings on lines
        changed since the base are reported (every line of a new file).
        """
        from martflow.integrations.changes import changed_files, changed_lines, find_base

        # sqlfluff loads while git answers and the cache is read: a cold lint waits less,
        # and a lint the cache answers does not wait for it at all.
        self._start_sqlfluff()
        # The dbt project may be a subfolder of the repository; git wants the top.
        root = _repo_root(self.project_dir)
        found = find_base(
            root,
            explicit=base,
            environ=os.environ if environ is None else environ,
            default_branch=default_branch,
            remote=remote,
        )
        model_dirs = [d.resolve() for d in model_paths(self.project_dir)]
        selected = sorted(
            {
                path.resolve()
                for path in (root / name for name in changed_files(root, found))
                if path.suffix.lower() == SQL_SUFFIX
                and path.is_file()
                and any(path.resolve().is_relative_to(d) for d in model_dirs)
            }
        )
        if not selected:
            return LintReport(files=0)
        report = self.lint(selected, fix=fix)
        if not lines_only:
            return report
        by_rel = {p.relative_to(root).as_posix(): p for p in selected}
        lines = {
            by_rel[rel].relative_to(self.project_dir).as_posix(): changed
            for rel, changed in changed_lines(root, found, list(by_rel)).items()
        }
        kept = tuple(
            v
            for v in report.violations
            if lines.get(v.path) is None or v.line in (lines.get(v.path) or ())
        )
        return LintReport(files=report.files, violations=kept, fixed=report.fixed)

    @property
    def linters_built(self) -> int:
        """How many sqlfluff ``Linter`` objects this linter built (one per configuration)."""
        return self._runner.builds

    def model_paths(self) -> list[Path]:
        """The model folders ``dbt_project.yml`` declares (``models`` by default)."""
        return model_paths(self.project_dir)

    # -- selecting files and asking the cache -----------------------------------------------

    def _select(self, paths: Sequence[Path]) -> list[LintFile]:
        check_templater(self.options.templater)
        self._cache.forget_config()  # config files may change between calls of the TUI
        return self._files.collect(paths or self.model_paths(), self._cache.key)

    def _cached(
        self, files: list[LintFile], fix: bool
    ) -> tuple[dict[str, list[LintViolation]], list[LintFile]]:
        """The cache's answers by file, and the files sqlfluff must see."""
        results: dict[str, list[LintViolation]] = {}
        misses: list[LintFile] = []
        for file in files:
            cached = self._cache.get(file)
            # With fix, a cached file with findings still goes to sqlfluff: it may be fixable.
            if cached is None or (fix and cached):
                if not misses:  # sqlfluff loads while the other files are looked up
                    self._start_sqlfluff()
                misses.append(file)
            else:
                results[file.rel] = cached
        return results, misses

    # -- running sqlfluff -------------------------------------------------------------------

    def _run(
        self, files: list[LintFile], fix: bool
    ) -> tuple[dict[str, list[LintViolation]], int, tuple[str, ...]]:
        """Lint ``files`` with sqlfluff, fix them if asked, cache what it finds.

        Returns the findings by file, how many findings the fixes removed, and the files
        they rewrote.
        """
        from martflow.project_scaffold.atomic import atomic_write_bytes

        linted = self._sqlfluff(files, fix)
        results: dict[str, list[LintViolation]] = {}
        rewritten: list[LintFile] = []
        found_before: dict[str, int] = {}
        for file in files:
            if file.rel not in linted:
                continue  # sqlfluff skipped it (e.g. over large_file_skip_byte_limit)
            violations, fixed_text, encoding = linted[file.rel]
            if fix and fixed_text is not None:
                atomic_write_bytes(file.path, fixed_text.encode(encoding))
                rel = file.rel
                rewritten.append(LintFile(file.path, rel, self._cache.key(file.path, rel)))
                found_before[rel] = len(violations)
                continue
            results[file.rel] = violations
            self._cache.put(file, violations)
        fixed = 0
        if rewritten:
            # Positions reported during a fix refer to the old text: lint the new one.
            relinted = self._sqlfluff(rewritten, fix=False)
            for file in rewritten:
                violations = relinted.get(file.rel, ([], None, ""))[0]
                fixed += max(0, found_before[file.rel] - len(violations))
                results[file.rel] = violations
                self._cache.put(file, violations)
        return results, fixed, tuple(file.rel for file in rewritten)

    def _sqlfluff(
        self, files: list[LintFile], fix: bool
    ) -> dict[str, tuple[list[LintViolation], str | None, str]]:
        """Per file: its violations, the fixed text if fixing changed it, its encoding."""
        self.sqlfluff_runs += 1
        by_path = {str(f.path): f for f in files}
        config_key = self._cache.config_hash(self.project_dir)
        linted = self._runner.lint(list(by_path), fix, config_key)
        out: dict[str, tuple[list[LintViolation], str | None, str]] = {}
        for path, result in linted.items():
            file = by_path[path]
            violations = [LintViolation(file.rel, *row) for row in result.violations]
            out[file.rel] = (violations, result.fixed_text, result.encoding)
        return out

    def _start_sqlfluff(self) -> None:
        """Have sqlfluff imported and configured in the background from now on."""
        check_templater(self.options.templater)
        self._runner.preload(lambda: self._cache.config_hash(self.project_dir))


def _count(report: LintReport, path: str) -> int:
    return sum(1 for v in report.violations if v.path == path)


def _repo_root(path: Path) -> Path:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise LintError(f"{path} is not inside a git repository") from exc
    return Path(out.strip()).resolve()
