"""Fixtures every test folder may use: a real throwaway Postgres cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg_cluster import PgServer, running_cluster


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A Postgres cluster started for this test session (per xdist worker), stopped after.

    Fails, naming what to install, when PostgreSQL is missing: never skipped.
    """
    with running_cluster() as server:
        yield server
