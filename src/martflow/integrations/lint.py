"""sqlfluff lint/fix of the project's models, changed-file selection and a result cache."""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import os
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from martflow.core.models import LintReport, LintViolation
from martflow.errors import LintError
from martflow.integrations.sqlfluff_runner import SqlfluffRunner, check_templater

CACHE_FORMAT = 1
"""Bumped whenever the cached JSON changes shape, so old entries are never misread."""
CONFIG_FILES = (".sqlfluff", "pyproject.toml", "setup.cfg", "tox.ini")
"""Files sqlfluff reads configuration from; any of them may change a result."""
IGNORE_FILE = ".sqlfluffignore"
SQL_SUFFIX = ".sql"


@dataclass(frozen=True)
class _File:
    """One file to lint: where it is, how it is reported, and its cache key."""

    path: Path
    rel: str
    key: str


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
        self.dialect = dialect
        self.templater = templater
        self.rules = tuple(rules)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._runner = SqlfluffRunner(
            self.project_dir,
            dialect=dialect,
            templater=templater,
            rules=self.rules,
            processes=max(1, processes) if processes is not None else None,
            library_dir=(self.cache_dir or self.project_dir / ".martflow") / "sqlfluff-libs",
        )
        self._lock = threading.Lock()
        self.sqlfluff_runs = 0
        """How many times sqlfluff itself ran (a fully cached lint leaves it unchanged)."""
        self._dir_hashes: dict[Path, str] = {}
        self._ignore_specs: dict[Path, Any] = {}
        self._spec_chains: dict[Path, list[tuple[Path, Any]]] = {}

    # -- public API -------------------------------------------------------------------------

    def lint(self, paths: Sequence[Path], fix: bool = False) -> LintReport:
        """Lint (and with ``fix`` rewrite) SQL files; no paths means the model folders.

        Relative paths are taken from the project folder. Folders are searched for
        ``.sql`` files, honouring ``.sqlfluffignore`` and ``ignore_paths``.
        """
        with self._lock:  # one lint at a time: the TUI may ask from two workers
            return self._lint(paths, fix)

    def _lint(self, paths: Sequence[Path], fix: bool) -> LintReport:
        check_templater(self.templater)
        # Config and ignore files may change between calls of a long-lived TUI.
        self._dir_hashes.clear()
        self._ignore_specs.clear()
        self._spec_chains.clear()
        files = self._collect(paths or self.model_paths())
        results: dict[str, list[LintViolation]] = {}
        misses: list[_File] = []
        for file in files:
            cached = self._cache_get(file)
            # With fix, a cached file with findings still goes to sqlfluff: it may be fixable.
            if cached is None or (fix and cached):
                if not misses:  # sqlfluff loads while the other files are looked up
                    self._start_sqlfluff()
                misses.append(file)
            else:
                results[file.rel] = cached
        fixed = 0
        if misses:
            linted, fixed = self._run(misses, fix)
            results.update(linted)
        violations = [v for file in files for v in results.get(file.rel, [])]
        return LintReport(files=len(files), violations=tuple(violations), fixed=fixed)

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
        model_dirs = [d.resolve() for d in self.model_paths()]
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
        names: object = ["models"]
        project_file = self.project_dir / "dbt_project.yml"
        if project_file.is_file():
            try:
                data = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise LintError(f"{project_file} is not valid YAML: {exc}") from exc
            names = data.get("model-paths", names) if isinstance(data, dict) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise LintError(f"{project_file}: model-paths must be a list of folder names")
        return [self.project_dir / n for n in names]

    # -- selecting files --------------------------------------------------------------------

    def _collect(self, paths: Sequence[Path]) -> list[_File]:
        found: dict[str, _File] = {}
        for given in paths:
            path = Path(given)
            path = (path if path.is_absolute() else self.project_dir / path).resolve()
            if not path.exists():
                raise LintError(f"no such file or folder: {given}")
            if not path.is_relative_to(self.project_dir):
                raise LintError(f"{given} is outside the project folder {self.project_dir}")
            for file in self._expand(path):
                rel = file.relative_to(self.project_dir).as_posix()
                if rel not in found:
                    try:
                        found[rel] = _File(file, rel, self._key(file, rel))
                    except OSError as exc:
                        raise LintError(f"cannot read {rel}: {exc.strerror}") from exc
        return [found[rel] for rel in sorted(found)]

    def _expand(self, path: Path) -> Iterator[Path]:
        if path.is_file():
            if path.suffix.lower() == SQL_SUFFIX and not self._ignored(path):
                yield path
            return
        for dirpath, dirnames, filenames in os.walk(path):
            here = Path(dirpath)
            # Like sqlfluff: a folder is pruned when `folder/*` matches a pattern above it.
            dirnames[:] = sorted(
                d for d in dirnames if d != ".git" and not self._ignored(here / d / "*", here)
            )
            for name in sorted(filenames):
                file = here / name
                if file.suffix.lower() == SQL_SUFFIX and not self._ignored(file):
                    yield file

    def _ignored(self, path: Path, upto: Path | None = None) -> bool:
        """Whether an ignore file or setting in the project, down to ``upto``, matches."""
        for folder, spec in self._specs_down_to(upto or path.parent):
            if spec.match_file(path.relative_to(folder).as_posix()):
                return True
        return False

    def _specs_down_to(self, folder: Path) -> list[tuple[Path, Any]]:
        if folder not in self._spec_chains:
            chain = _folders_between(self.project_dir, folder)
            specs = [(f, self._ignore_spec(f)) for f in chain]
            self._spec_chains[folder] = [(f, spec) for f, spec in specs if spec is not None]
        return self._spec_chains[folder]

    def _ignore_spec(self, folder: Path) -> Any:
        if folder not in self._ignore_specs:
            lines: list[str] = []
            ignore_file = folder / IGNORE_FILE
            if ignore_file.is_file():
                lines += ignore_file.read_text(encoding="utf-8").splitlines()
            lines += _ignore_paths_setting(folder / ".sqlfluff")
            spec = None
            if lines:
                import pathspec  # small, but only needed when there are ignore patterns

                spec = pathspec.PathSpec.from_lines("gitignore", lines)
            self._ignore_specs[folder] = spec
        return self._ignore_specs[folder]

    # -- the cache --------------------------------------------------------------------------

    def _key(self, file: Path, rel: str) -> str:
        digest = hashlib.sha256()
        digest.update(self._config_hash(file.parent).encode())
        digest.update(rel.encode() + b"\0")
        digest.update(file.read_bytes())
        return digest.hexdigest()

    def _config_hash(self, folder: Path) -> str:
        """Hash of everything that decides a result in ``folder`` except the file itself."""
        if folder not in self._dir_hashes:
            if folder == self.project_dir or not folder.is_relative_to(self.project_dir):
                parts = [
                    str(CACHE_FORMAT),
                    _sqlfluff_version(),
                    self.dialect or "",
                    self.templater or "",
                    ",".join(self.rules),
                    _config_digest(Path.home()),
                    *(_config_digest(p) for p in reversed(self.project_dir.parents)),
                    _config_digest(self.project_dir),
                ]
            else:
                parts = [self._config_hash(folder.parent), _config_digest(folder)]
            self._dir_hashes[folder] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return self._dir_hashes[folder]

    def _cache_get(self, file: _File) -> list[LintViolation] | None:
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / f"{file.key}.json").read_bytes())
            return [LintViolation(file.rel, *row) for row in data["violations"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a missing or damaged entry is just a miss

    def _cache_put(self, file: _File, violations: Sequence[LintViolation]) -> None:
        if self.cache_dir is None:
            return
        rows = [[v.line, v.column, v.code, v.description] for v in violations]
        payload = json.dumps({"violations": rows}, separators=(",", ":")).encode()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # No fsync: a cache entry lost in a crash is only a miss next time.
        _atomic_write(self.cache_dir / f"{file.key}.json", payload, durable=False)

    # -- running sqlfluff -------------------------------------------------------------------

    def _run(self, files: list[_File], fix: bool) -> tuple[dict[str, list[LintViolation]], int]:
        """Lint ``files`` with sqlfluff, fix them if asked, cache what it finds."""
        linted = self._sqlfluff(files, fix)
        results: dict[str, list[LintViolation]] = {}
        rewritten: list[_File] = []
        found_before: dict[str, int] = {}
        for file in files:
            if file.rel not in linted:
                continue  # sqlfluff skipped it (e.g. over large_file_skip_byte_limit)
            violations, fixed_text, encoding = linted[file.rel]
            if fix and fixed_text is not None:
                _atomic_write(file.path, fixed_text.encode(encoding), keep_mode_of=file.path)
                rel = file.rel
                rewritten.append(_File(file.path, rel, self._key(file.path, rel)))
                found_before[rel] = len(violations)
                continue
            results[file.rel] = violations
            self._cache_put(file, violations)
        fixed = 0
        if rewritten:
            # Positions reported during a fix refer to the old text: lint the new one.
            relinted = self._sqlfluff(rewritten, fix=False)
            for file in rewritten:
                violations = relinted.get(file.rel, ([], None, ""))[0]
                fixed += max(0, found_before[file.rel] - len(violations))
                results[file.rel] = violations
                self._cache_put(file, violations)
        return results, fixed

    def _sqlfluff(
        self, files: list[_File], fix: bool
    ) -> dict[str, tuple[list[LintViolation], str | None, str]]:
        """Per file: its violations, the fixed text if fixing changed it, its encoding."""
        self.sqlfluff_runs += 1
        by_path = {str(f.path): f for f in files}
        linted = self._runner.lint(list(by_path), fix, self._config_hash(self.project_dir))
        out: dict[str, tuple[list[LintViolation], str | None, str]] = {}
        for path, result in linted.items():
            file = by_path[path]
            violations = [LintViolation(file.rel, *row) for row in result.violations]
            out[file.rel] = (violations, result.fixed_text, result.encoding)
        return out

    def _start_sqlfluff(self) -> None:
        """Have sqlfluff imported and configured in the background from now on."""
        check_templater(self.templater)
        self._runner.preload(lambda: self._config_hash(self.project_dir))


def _folders_between(top: Path, folder: Path) -> list[Path]:
    """``top`` and each folder below it down to ``folder`` (just ``top`` if outside)."""
    if not folder.is_relative_to(top):
        return [top]
    chain = [top]
    for part in folder.relative_to(top).parts:
        chain.append(chain[-1] / part)
    return chain


def _config_digest(folder: Path) -> str:
    parts = []
    for name in CONFIG_FILES:
        with contextlib.suppress(OSError):
            data = (folder / name).read_bytes()
            # pyproject.toml & co. change for many reasons: count them only if they
            # configure sqlfluff.
            if name == ".sqlfluff" or b"sqlfluff" in data:
                parts.append(name + ":" + hashlib.sha256(data).hexdigest())
    return ",".join(parts)


def _ignore_paths_setting(config_file: Path) -> list[str]:
    """The ``ignore_paths`` patterns of a ``.sqlfluff`` file, if it has any."""
    if not config_file.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(config_file.read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return []  # sqlfluff reports a broken config file itself, with more context
    value = parser.get("sqlfluff", "ignore_paths", fallback="")
    return [p.strip() for p in value.split(",") if p.strip()]


def _sqlfluff_version() -> str:
    try:
        return metadata.version("sqlfluff")
    except metadata.PackageNotFoundError as exc:
        raise LintError("sqlfluff is not installed: pip install sqlfluff") from exc


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


def _atomic_write(
    target: Path, data: bytes, keep_mode_of: Path | None = None, durable: bool = True
) -> None:
    """Write via a temp file in the same folder (fsynced if ``durable``), then ``os.replace``."""
    mode = stat.S_IMODE(keep_mode_of.stat().st_mode) if keep_mode_of else None
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(target)  # atomic: readers see the old or the new file
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
