"""What server mode is configured with (the composition root builds it from ``[tableau]``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class ServerSettings:
    """Tableau Server / Cloud: where to publish, as whom, and how."""

    server_url: str = ""
    site: str = ""
    """The site's content URL; empty: the default site."""
    project: str = "martflow"
    token_name: str = ""
    """The personal access token's name (its secret comes from the environment or keyring)."""
    timeout: float = 60
    connection: Literal["extract", "live"] = "extract"
    embed_credentials: bool = False
    """Live: embed the warehouse password (from the environment) when publishing."""


class Secrets(Protocol):
    def get(self, env_var: str) -> str | None: ...
    def how_to_set(self, env_var: str) -> str: ...


class MemoryJournal:
    """A journal kept in memory, for a publish outside the pipeline."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def recall(self) -> dict[str, str]:
        return dict(self._values)

    def record(self, values: Mapping[str, str]) -> None:
        self._values.update(values)
