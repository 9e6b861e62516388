"""The lint result cache: one JSON per file version, keyed by content and configuration."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from martflow.core.reports import LintViolation
from martflow.errors import LintError
from martflow.integrations.lint_files import LintFile
from martflow.integrations.sqlfluff_runner import SqlfluffOptions

CACHE_FORMAT = 1
"""Bumped whenever the cached JSON changes shape, so old entries are never misread."""
CONFIG_FILES = (".sqlfluff", "pyproject.toml", "setup.cfg", "tox.ini")
"""Files sqlfluff reads configuration from; any of them may change a result."""


class LintCache:
    """Keys files by everything that decides their result, and stores what sqlfluff found.

    Args:
        project_dir: the dbt project (resolved); configuration above it counts too.
        options: the lint's overrides of ``.sqlfluff``.
        cache_dir: where entries go; None keys files but never stores or finds anything.
    """

    def __init__(self, project_dir: Path, options: SqlfluffOptions, cache_dir: Path | None):
        self.project_dir = project_dir
        self.options = options
        self.cache_dir = cache_dir
        self._dir_hashes: dict[Path, str] = {}

    def forget_config(self) -> None:
        """Read configuration files again on the next key (they may have changed)."""
        self._dir_hashes.clear()

    def key(self, file: Path, rel: str) -> str:
        """The cache key of ``file`` (reported as ``rel``) as it is on disk now."""
        digest = hashlib.sha256()
        digest.update(self.config_hash(file.parent).encode())
        digest.update(rel.encode() + b"\0")
        digest.update(file.read_bytes())
        return digest.hexdigest()

    def config_hash(self, folder: Path) -> str:
        """Hash of everything that decides a result in ``folder`` except the file itself."""
        if folder not in self._dir_hashes:
            if folder == self.project_dir or not folder.is_relative_to(self.project_dir):
                parts = [
                    str(CACHE_FORMAT),
                    _sqlfluff_version(),
                    self.options.dialect or "",
                    self.options.templater or "",
                    ",".join(self.options.rules),
                    _config_digest(Path.home()),
                    *(_config_digest(p) for p in reversed(self.project_dir.parents)),
                    _config_digest(self.project_dir),
                ]
            else:
                parts = [self.config_hash(folder.parent), _config_digest(folder)]
            self._dir_hashes[folder] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return self._dir_hashes[folder]

    def get(self, file: LintFile) -> list[LintViolation] | None:
        """The cached findings of this version of ``file``; None when not cached."""
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / f"{file.key}.json").read_bytes())
            return [LintViolation(file.rel, *row) for row in data["violations"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a missing or damaged entry is just a miss

    def put(self, file: LintFile, violations: Sequence[LintViolation]) -> None:
        """Remember what sqlfluff found in this version of ``file``."""
        if self.cache_dir is None:
            return
        rows = [[v.line, v.column, v.code, v.description] for v in violations]
        payload = json.dumps({"violations": rows}, separators=(",", ":")).encode()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        _replace_quickly(self.cache_dir / f"{file.key}.json", payload)


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


def _sqlfluff_version() -> str:
    try:
        return metadata.version("sqlfluff")
    except metadata.PackageNotFoundError as exc:
        raise LintError("sqlfluff is not installed: pip install sqlfluff") from exc


def _replace_quickly(target: Path, data: bytes) -> None:
    """Write via a temp file and ``os.replace``, without fsync: a cache entry lost in a
    crash is only a miss next time (model files go through ``atomic_write_bytes``)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
