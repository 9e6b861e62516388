"""The Postgres fixture fails loudly, naming what to install, when PostgreSQL is missing."""

from __future__ import annotations

import pytest

from tests import pg_cluster


def test_missing_postgres_is_a_failure_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_cluster.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(pg_cluster.shutil, "which", lambda name: None)
    with pytest.raises(AssertionError, match=r"apt-get install -y postgresql"):
        pg_cluster.find_bin_dir()


def test_the_installed_binaries_are_found() -> None:
    folder = pg_cluster.find_bin_dir()
    assert (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()
