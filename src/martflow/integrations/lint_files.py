"""Which files a lint covers: model folders, ``.sql`` files, ignore files and settings."""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from martflow.errors import LintError

IGNORE_FILE = ".sqlfluffignore"
SQL_SUFFIX = ".sql"


@dataclass(frozen=True)
class LintFile:
    """One file to lint: where it is, how it is reported, and its cache key."""

    path: Path
    rel: str
    key: str


class LintFileSelector:
    """Expands paths to the ``.sql`` files sqlfluff would lint, as it would prune them.

    Ignore files are read once per :meth:`collect` (they may change between calls of a
    long-lived TUI).
    """

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self._ignore_specs: dict[Path, Any] = {}
        self._spec_chains: dict[Path, list[tuple[Path, Any]]] = {}

    def collect(self, paths: Sequence[Path], key: Callable[[Path, str], str]) -> list[LintFile]:
        """The files below ``paths`` (relative ones from the project), sorted, keyed by ``key``."""
        self._ignore_specs.clear()
        self._spec_chains.clear()
        found: dict[str, LintFile] = {}
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
                        found[rel] = LintFile(file, rel, key(file, rel))
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
            chain = folders_between(self.project_dir, folder)
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


def model_paths(project_dir: Path) -> list[Path]:
    """The model folders ``dbt_project.yml`` declares (``models`` by default)."""
    names: object = ["models"]
    project_file = project_dir / "dbt_project.yml"
    if project_file.is_file():
        try:
            data = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise LintError(f"{project_file} is not valid YAML: {exc}") from exc
        names = data.get("model-paths", names) if isinstance(data, dict) else names
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise LintError(f"{project_file}: model-paths must be a list of folder names")
    return [project_dir / n for n in names]


def folders_between(top: Path, folder: Path) -> list[Path]:
    """``top`` and each folder below it down to ``folder`` (just ``top`` if outside)."""
    if not folder.is_relative_to(top):
        return [top]
    chain = [top]
    for part in folder.relative_to(top).parts:
        chain.append(chain[-1] / part)
    return chain


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
