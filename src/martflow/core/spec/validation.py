"""Validate the mapping under ``martflow:`` into a TicketSpec, naming every field at fault."""

from __future__ import annotations

from typing import Literal, cast

from martflow.core.models import TicketSpec
from martflow.core.safe_text import SCRIPT_JOINERS, describe_char, first_hidden
from martflow.core.spec.governance import governance
from martflow.core.spec.measures import MeasureChecks
from martflow.core.spec.messages import _describe, _Problems, _type_reason, _unknown_key

MAX_DASHBOARD = 200
KEYS = (
    "sources",
    "joins",
    "mart",
    "kind",
    "grain",
    "dimensions",
    "measures",
    "dashboard",
    "incremental",
    "time",
    "partition_by",
    "pii",
    "clean",
)
"""The keys allowed under ``martflow:``."""
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def validate_spec(body: object, source: str) -> TicketSpec:
    """The spec the mapping under ``martflow:`` describes.

    Raises:
        SpecError: naming the first field at fault; ``problems`` lists all of them.
    """
    problems = _Problems()
    spec = _Validator(problems).spec(body)
    if spec is None or problems.items:
        raise problems.error(source)
    return spec


class _Validator(MeasureChecks):
    """Turns the mapping under ``martflow:`` into a TicketSpec, collecting problems."""

    def spec(self, body: object) -> TicketSpec | None:
        if not isinstance(body, dict):
            self.p.add("martflow", _type_reason(body, "a mapping with sources, mart, grain, ..."))
            return None
        for key in body:
            if key not in KEYS:
                self.p.add("martflow", _unknown_key(key, KEYS))
        sources = self.sources(body.get("sources"))
        joins = self.joins(body.get("joins"))
        mart = self.mart(body.get("mart"))
        kind = "fact" if body.get("kind") is None else body["kind"]
        if kind not in ("fact", "dimension"):
            self.p.add("martflow.kind", f"{_describe(kind)} must be fact or dimension")
        grain = self.columns(body.get("grain"), "martflow.grain", required=True)
        if joins is not None and self.tables and len(self.tables) > 1:
            first = next(iter(self.tables))
            base = grain[0].table if grain and grain[0].table in self.tables else first
            self.connected(joins, base)
        dimensions = self.columns(body.get("dimensions"), "martflow.dimensions")
        self.outputs_unique(grain, dimensions)
        time = self.time(body.get("time"), kind)
        measures = self.measures(body.get("measures"), kind, grain, dimensions, time is not None)
        dashboard = self.dashboard(body.get("dashboard"))
        incremental = self.incremental(body.get("incremental"), kind)
        if incremental is not None and any(m.rolling for m in measures):
            self.p.add(
                "martflow.incremental",
                "a mart with rolling measures is rebuilt: a window needs every period, and an "
                "incremental run reads only the changed ones",
            )
        partition_by = self.partition_by(body.get("partition_by"), grain, dimensions)
        governed = governance(self, body)
        if self.p.items:
            return None
        return TicketSpec(
            sources=tuple(sources),
            mart=mart,
            kind=cast(Literal["fact", "dimension"], kind),
            grain=tuple(grain),
            joins=tuple(joins or ()),
            dimensions=tuple(dimensions),
            measures=tuple(measures),
            dashboard=dashboard,
            incremental=incremental,
            time=time,
            partition_by=tuple(partition_by),
            pii=governed.pii,
            unclean=governed.unclean,
            clean=governed.clean,
        )

    def dashboard(self, value: object) -> str:
        path = "martflow.dashboard"
        if value is None:
            return ""
        if not isinstance(value, str):
            self.p.add(path, _type_reason(value, "text (quote it)"))
            return ""
        if any(ch in _LINE_BREAKS for ch in value):
            self.p.add(path, "must be a single line")
        elif bad := first_hidden(value, SCRIPT_JOINERS):
            self.p.add(
                path,
                f"must not contain control or invisible characters (found {describe_char(bad)})",
            )
        elif len(value) > MAX_DASHBOARD:
            self.p.add(path, f"is {len(value)} characters; the limit is {MAX_DASHBOARD}")
        return value
