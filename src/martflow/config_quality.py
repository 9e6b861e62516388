"""The ``[quality]`` section of config.toml: the data checks on each mart."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated

from martflow.config_schema import Finite, Section, validates


@dataclass(frozen=True)
class QualityConfig(Section):
    """The data checks martflow adds to each mart and reports after each build."""

    max_null_rate: Annotated[float, Finite()] = 0.5
    """The largest share (0 to 1) of a mart's rows a dimension or measure may leave empty;
    1 adds no null-rate test."""
    null_rates: dict[str, float] = field(default_factory=dict)
    """A mart column's own largest empty share, overriding max_null_rate (1: no test)."""
    source_freshness: bool = True
    """Run `dbt source freshness` on the ticket's sources after each build."""

    @validates("max_null_rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        return _share(value)

    @validates("null_rates")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for column, rate in value.items():
            try:
                _share(rate)
            except ValueError as exc:
                raise ValueError(f"{column}: {exc}") from None
        return value

    def rate_of(self, rate: float) -> float | None:
        """``rate`` as the scaffolder takes it: None for 1 (no test)."""
        return None if rate >= 1 else rate


def _share(value: float) -> float:
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"must be a share from 0 to 1 (0.05 is 5%), got {value!r}")
    return value
