"""What the dbt project already declares, read from its manifest: sources, seeds and models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from martflow.core.naming import STAGING_PREFIX

NodeKind = Literal["model", "seed", "snapshot"]


@dataclass(frozen=True)
class Relation:
    """Where a table lives in the warehouse; an empty database means the target's."""

    database: str
    schema: str
    identifier: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.identifier}"

    def same_as(self, other: Relation) -> bool:
        """Equal ignoring case (warehouses fold unquoted names), and an unset database."""
        mine = (self.schema.lower(), self.identifier.lower())
        theirs = (other.schema.lower(), other.identifier.lower())
        databases = {self.database.lower(), other.database.lower()} - {""}
        return mine == theirs and len(databases) <= 1


@dataclass(frozen=True)
class DeclaredSource:
    """One table of a source the project declares in its YAML."""

    unique_id: str
    source: str
    table: str
    relation: Relation
    path: str
    """The YAML file declaring it, relative to the dbt project."""
    package: str = ""
    columns: tuple[str, ...] = ()
    pii_columns: tuple[str, ...] = ()
    """Columns the YAML marks as personal data (``meta: {pii: true}``)."""


@dataclass(frozen=True)
class ProjectNode:
    """A model, seed or snapshot of the project."""

    unique_id: str
    name: str
    kind: NodeKind
    path: str
    """Its file, relative to the dbt project."""
    relation: Relation
    package: str = ""
    columns: tuple[str, ...] = ()
    """Documented columns (models), or the CSV header (seeds)."""
    parents: tuple[str, ...] = ()
    """Unique ids of the sources and nodes it selects from."""


@dataclass(frozen=True)
class ProjectIndex:
    """The parsed project: every declared source table and every model, seed, snapshot."""

    name: str
    sources: tuple[DeclaredSource, ...] = ()
    nodes: tuple[ProjectNode, ...] = ()
    _by_name: dict[str, ProjectNode] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The root package's nodes win over a package's of the same name.
        for node in sorted(self.nodes, key=lambda n: n.package != self.name):
            self._by_name.setdefault(node.name, node)

    def source(self, source: str, table: str) -> DeclaredSource | None:
        """The declared table ``source.table``, if the project declares it."""
        return next((s for s in self.sources if (s.source, s.table) == (source, table)), None)

    def tables_of(self, source: str) -> list[DeclaredSource]:
        """Every declared table of ``source``, in declaration order."""
        return [s for s in self.sources if s.source == source]

    def node(self, name: str) -> ProjectNode | None:
        """The model, seed or snapshot called ``name``."""
        return self._by_name.get(name)

    def names(self) -> list[str]:
        """Every model, seed and snapshot name."""
        return list(self._by_name)

    def staging_for(self, declared: DeclaredSource) -> ProjectNode | None:
        """The model that stages ``declared``: it selects from that source table alone.

        Among several, a ``stg_`` name wins, then the shortest name.
        """
        candidates = [
            n
            for n in self.nodes
            if n.kind == "model" and n.parents == (declared.unique_id,) and n.package == self.name
        ]
        candidates.sort(key=lambda n: (not n.name.startswith(STAGING_PREFIX), len(n.name), n.name))
        return candidates[0] if candidates else None

    def staging_models(self) -> list[ProjectNode]:
        """The project's staging models: named ``stg_...``, or selecting from one raw input
        (a source table or a seed) alone."""
        raw = {s.unique_id for s in self.sources}
        raw |= {n.unique_id for n in self.nodes if n.kind == "seed"}
        return [
            n
            for n in self.nodes
            if n.kind == "model"
            and n.package == self.name
            and (n.name.startswith(STAGING_PREFIX) or (len(n.parents) == 1 and n.parents[0] in raw))
        ]

    def owner_of(self, relation: Relation) -> ProjectNode | DeclaredSource | None:
        """The node or declared source that lives at ``relation``, if any."""
        owners: tuple[ProjectNode | DeclaredSource, ...] = (*self.nodes, *self.sources)
        return next((item for item in owners if item.relation.same_as(relation)), None)
