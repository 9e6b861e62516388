"""A ticket's lineage: source tables -> staging -> intermediate -> mart -> dashboard, with state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Literal

from martflow.core.models import StepRecord, StepState, TicketSpec
from martflow.core.workflow.steps import model_names

NodeKind = Literal["source", "staging", "intermediate", "mart", "dashboard"]
KINDS: tuple[NodeKind, ...] = ("source", "staging", "intermediate", "mart", "dashboard")
"""The layers, upstream first."""


class NodeState(StrEnum):
    """How far a node got; sources are raw tables martflow reads but never creates."""

    SOURCE = "source"
    PLANNED = "planned"
    SCAFFOLDED = "scaffolded"
    BUILT = "built"
    PUBLISHED = "published"


@dataclass(frozen=True)
class LineageNode:
    """One table, model or dashboard of the ticket."""

    kind: NodeKind
    name: str
    state: NodeState
    upstream: tuple[str, ...] = ()
    detail: str = ""
    """Where it lives when known: the model's file, the published location."""

    @property
    def exists(self) -> bool:
        """True once the node is more than a plan."""
        return self.state is not NodeState.PLANNED


@dataclass(frozen=True)
class Lineage:
    """Every node of a ticket, upstream first."""

    nodes: tuple[LineageNode, ...]

    def layer(self, kind: NodeKind) -> list[LineageNode]:
        """The nodes of one layer, in spec order."""
        return [n for n in self.nodes if n.kind == kind]


def build_lineage(spec: TicketSpec, steps: Sequence[StepRecord]) -> Lineage:
    """The spec's lineage, each node's state read from the ticket's step records."""
    records = {r.name: r for r in steps}
    *staging, intermediate, mart = model_names(spec)
    files = _scaffolded_files(records)
    built = _built_models(records)

    def model(kind: NodeKind, name: str, upstream: Sequence[str]) -> LineageNode:
        if name in built:
            state = NodeState.BUILT
        elif name in files:
            state = NodeState.SCAFFOLDED
        else:
            state = NodeState.PLANNED
        return LineageNode(kind, name, state, tuple(upstream), files.get(name, ""))

    used = _existing_inputs(records)
    nodes = [LineageNode("source", s.name, NodeState.SOURCE) for s in spec.sources]
    upstream: list[str] = []
    generated = iter(staging)
    for source in spec.sources:
        if source.is_ref:  # an existing model or seed: the intermediate selects from it
            upstream.append(source.name)
        elif source.name in used:  # a declared table's existing staging model
            name = used[source.name]
            nodes.append(
                LineageNode("staging", name, NodeState.SOURCE, (source.name,), "existing model")
            )
            upstream.append(name)
            next(generated)
        else:
            name = next(generated)
            nodes.append(model("staging", name, [source.name]))
            upstream.append(name)
    nodes.append(model("intermediate", intermediate, upstream))
    nodes.append(model("mart", mart, [intermediate]))
    nodes.append(_dashboard(spec, records, mart))
    return Lineage(tuple(nodes))


def _existing_inputs(records: Mapping[str, StepRecord]) -> dict[str, str]:
    """Spec input -> the existing staging model the last scaffold selected it through."""
    scaffold = _succeeded(records, "scaffold")
    listed = scaffold.artifacts.get("inputs") if scaffold is not None else None
    return {
        str(item["name"]): str(item["model"])
        for item in (listed if isinstance(listed, list) else [])
        if isinstance(item, dict) and item.get("kind") == "reuse" and item.get("model")
    }


def _succeeded(records: Mapping[str, StepRecord], name: str) -> StepRecord | None:
    record = records.get(name)
    return record if record is not None and record.state is StepState.SUCCEEDED else None


def _after(later: StepRecord, earlier: StepRecord) -> bool:
    """Whether ``later`` finished after ``earlier`` (unknown times count as after)."""
    if later.finished is None or earlier.finished is None:
        return True
    return _naive(later.finished) >= _naive(earlier.finished)


def _naive(when: datetime) -> datetime:
    return when.replace(tzinfo=None)


def _scaffolded_files(records: Mapping[str, StepRecord]) -> dict[str, str]:
    """Model name -> the .sql file the last successful scaffold wrote."""
    scaffold = _succeeded(records, "scaffold")
    if scaffold is None:
        return {}
    listed = scaffold.artifacts.get("files")
    files = {
        PurePosixPath(str(f)).stem: str(f)
        for f in (listed if isinstance(listed, list) else [])
        if str(f).endswith(".sql")
    }
    models = scaffold.artifacts.get("models")
    for name in models if isinstance(models, list) else []:
        files.setdefault(str(name), "")
    return files


def _built_models(records: Mapping[str, StepRecord]) -> set[str]:
    """Models the last successful build built, unless a scaffold rewrote them since."""
    build, scaffold = _succeeded(records, "build"), _succeeded(records, "scaffold")
    if build is None or scaffold is None or not _after(build, scaffold):
        return set()
    nodes = build.artifacts.get("nodes")
    return {
        str(n.get("name"))
        for n in (nodes if isinstance(nodes, list) else [])
        if isinstance(n, dict) and n.get("type") == "model" and n.get("status") == "success"
    }


def _dashboard(spec: TicketSpec, records: Mapping[str, StepRecord], mart: str) -> LineageNode:
    name = spec.dashboard or spec.mart
    publish, build = _succeeded(records, "publish"), _succeeded(records, "build")
    if publish is not None and (build is None or _after(publish, build)):
        location = str(publish.artifacts.get("location", ""))
        return LineageNode("dashboard", name, NodeState.PUBLISHED, (mart,), location)
    return LineageNode("dashboard", name, NodeState.PLANNED, (mart,))
