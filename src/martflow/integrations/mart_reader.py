"""Reads a built mart through the dbt worker's adapter, in batches, for extracts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from martflow.errors import DbtError, PublishError
from martflow.integrations.tableau.column_types import canonical_type

BATCH_ROWS = 10_000
"""Rows per batch between the warehouse, the worker and the extract."""


class ReadRequests(Protocol):
    """What the reader needs of ``DbtProcessRunner``."""

    def request(self, op: str, **payload: Any) -> dict[str, Any]: ...

    def stream(self, op: str, **payload: Any) -> Iterator[list[list[Any]]]: ...


class AdapterMartReader:
    """A model's columns and rows, read by the dbt worker through the project's adapter.

    Works on every warehouse dbt builds on; nothing here opens the warehouse itself.
    Values arrive as JSON (decimals as text, dates as ISO text): the extract converts
    them by column type.
    """

    def __init__(self, runner: ReadRequests, batch_rows: int = BATCH_ROWS) -> None:
        self.runner = runner
        self.batch_rows = batch_rows

    def columns(self, model: str) -> list[tuple[str, str]]:
        """``(name, type)`` of every column of the built model, types in DuckDB's names."""
        try:
            data = self.runner.request("columns", model=model)
        except DbtError as exc:
            raise PublishError(f"cannot read mart {model}: {exc}") from None
        return [(str(c["name"]), canonical_type(str(c["data_type"]))) for c in data["columns"]]

    def connection(self, model: str) -> dict[str, Any]:
        """Where the built model lives (adapter type, host, database, schema, table, user)."""
        try:
            return self.runner.request("connection", model=model)
        except DbtError as exc:
            raise PublishError(f"cannot locate mart {model}: {exc}") from None

    def read(self, model: str) -> tuple[list[tuple[str, str]], Iterator[tuple[Any, ...]]]:
        """Columns and a row iterator of ``select * from`` the model, fetched in batches."""
        return self.columns(model), self._rows(model)

    def _rows(self, model: str) -> Iterator[tuple[Any, ...]]:
        try:
            for batch in self.runner.stream("stream", model=model, batch=self.batch_rows):
                for row in batch:
                    yield tuple(row)
        except DbtError as exc:
            raise PublishError(f"cannot read mart {model}: {exc}") from None
