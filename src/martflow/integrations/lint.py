"""sqlfluff lint/fix of the project's models, changed-file selection and a result cache."""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import importlib.util
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from martflow.core.models import LintReport, LintViolation
from martflow.errors import LintError

if TYPE_CHECKING:
    from sqlfluff.core import FluffConfig

CACHE_FORMAT = 1
"""Bumped whenever the cached JSON changes shape, so old entries are never misread."""
CONFIG_FILES = (".sqlfluff", "pyproject.toml", "setup.cfg", "tox.ini")
"""Files sqlfluff reads configuration from; any of them may change a result."""
IGNORE_FILE = ".sqlfluffignore"
UNFIXABLE_CODES = frozenset({"PRS", "TMP"})
"""Templating and parse errors: sqlfluff cannot fix a file that has them."""
SQL_SUFFIX = ".sql"
LINT_LIBRARY = Path(__file__).resolve().parent.parent / "templates" / "sqlfluff_libs"
"""Jinja libraries for sqlfluff: ``adapter.quote`` as staging models call it."""


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
        processes: sqlfluff worker processes for cache misses.
    """

    def __init__(
        self,
        project_dir: Path,
        *,
        dialect: str | None = None,
        templater: str | None = None,
        rules: Sequence[str] = (),
        cache_dir: Path | None = None,
        processes: int = 1,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.dialect = dialect
        self.templater = templater
        self.rules = tuple(rules)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.processes = max(1, processes)
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
        self._check_templater(self.templater)
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
        # sqlfluff costs ~0.3 s to import: load it only when the cache cannot answer.
        from sqlfluff.core import Linter
        from sqlfluff.core.errors import SQLFluffUserError

        self.sqlfluff_runs += 1
        by_path = {str(f.path): f for f in files}
        try:
            linter = Linter(config=self._fluff_config())
            result = linter.lint_paths(
                tuple(by_path), fix=fix, ignore_files=False, processes=self.processes
            )
        except SQLFluffUserError as exc:
            raise LintError(f"sqlfluff cannot lint {self.project_dir}: {exc}") from exc
        out: dict[str, tuple[list[LintViolation], str | None, str]] = {}
        for linted_dir in result.paths:
            for linted in linted_dir.files:
                file = by_path[linted.path]
                errors = linted.get_violations()
                violations = [
                    LintViolation(
                        file.rel,
                        int(v.line_no or 1),
                        int(v.line_pos or 1),
                        v.rule_code(),
                        v.desc(),
                    )
                    for v in errors
                ]
                fixed_text = None
                if fix and not any(v.code in UNFIXABLE_CODES for v in violations):
                    text, ok = linted.fix_string()
                    source = linted.templated_file.source_str if linted.templated_file else text
                    if ok and text != source:
                        fixed_text = text
                out[file.rel] = (violations, fixed_text, linted.encoding)
        return out

    def _fluff_config(self) -> FluffConfig:
        from sqlfluff.core import FluffConfig
        from sqlfluff.core.config import clear_config_caches, load_config_up_to_path

        # sqlfluff memoizes config files by path for the life of the process: a TUI
        # session would keep linting with a .sqlfluff edited since.
        clear_config_caches()
        root = str(self.project_dir)
        overrides: dict[str, Any] = {}
        if self.dialect:
            overrides["dialect"] = self.dialect
        if self.templater:
            overrides["templater"] = self.templater
        if self.rules:
            overrides["rules"] = ",".join(self.rules)
        core = load_config_up_to_path(root).get("core", {})
        core = core if isinstance(core, dict) else {}
        for key, default in (("dialect", "duckdb"), ("templater", "jinja")):
            if not overrides.get(key) and not core.get(key):
                overrides[key] = default  # overrides would also beat nested .sqlfluff files
        if not _configured_library(load_config_up_to_path(root)):
            overrides["library_path"] = str(LINT_LIBRARY)  # `adapter.quote` for jinja
        templater = overrides.get("templater") or core.get("templater")
        self._check_templater(str(templater) if templater else None)
        try:
            return FluffConfig.from_path(root, overrides=overrides)
        except KeyError as exc:  # sqlfluff's answer to an unknown dialect
            dialect = overrides.get("dialect") or core.get("dialect")
            raise LintError(f"unknown sqlfluff dialect {dialect!r} for {root}") from exc

    @staticmethod
    def _check_templater(templater: str | None) -> None:
        if templater == "dbt" and importlib.util.find_spec("sqlfluff_templater_dbt") is None:
            raise LintError(
                "the dbt templater needs sqlfluff-templater-dbt: "
                "pip install sqlfluff-templater-dbt (or set templater = jinja)"
            )


def _configured_library(config: dict[str, Any]) -> bool:
    """True when the project's sqlfluff config names its own jinja ``library_path``."""
    core = config.get("core", {})
    templater = config.get("templater", {})
    jinja = templater.get("jinja", {}) if isinstance(templater, dict) else {}
    return bool(
        (isinstance(core, dict) and core.get("library_path"))
        or (isinstance(jinja, dict) and jinja.get("library_path"))
    )


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
