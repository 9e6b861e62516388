"""A spec's inputs resolved against the dbt project: declared sources, staging models, seeds."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from martflow.core.models import ColumnInfo, SourceRef
from martflow.core.project import ProjectIndex, Relation
from martflow.errors import ScaffoldError, SpecError, WarehouseError

InputKind = Literal["source", "new_table", "declared", "reuse", "ref"]
"""How martflow gets an input's rows:

- ``source``: a source the project does not declare; martflow writes its sources file.
- ``new_table``: a new table of a declared source, added to the file that declares it.
- ``declared``: a declared source table; martflow generates its staging model.
- ``reuse``: a declared source table whose existing staging model martflow selects from.
- ``ref``: a model or seed named bare in the spec, selected with ``ref()``.
"""


@dataclass(frozen=True)
class ResolvedInput:
    """One spec input and where its rows come from."""

    ref: SourceRef
    kind: InputKind
    relation: Relation
    """Where its columns are read: the raw table, or the existing model or seed."""
    model: str = ""
    """The existing model or seed the intermediate model selects from (reuse, ref)."""
    sources_file: str = ""
    """The YAML declaring its source, relative to the dbt project (new_table, declared)."""

    @property
    def generates_staging(self) -> bool:
        """True when martflow writes a staging model for it."""
        return self.kind in ("source", "new_table", "declared")


def resolve_inputs(
    sources: Sequence[SourceRef],
    index: ProjectIndex,
    *,
    source_schemas: Mapping[str, str],
    reuse_staging: bool = True,
    owned: Collection[str] = (),
) -> list[ResolvedInput]:
    """Each spec input resolved against the project (the manifest is the source of truth).

    ``owned`` are the files martflow wrote (relative to the project): a source declared in
    martflow's own sources file is merged there as before, and martflow's own staging
    model is regenerated, not reused, so a re-run plans the same files.

    Raises:
        SpecError: a bare name is no model or seed of the project.
        ScaffoldError: a new table belongs to a source another package declares.
    """
    resolved = []
    for i, ref in enumerate(sources):
        if not ref.source:
            resolved.append(_bare(ref, index, f"martflow.sources[{i}]"))
            continue
        declared = index.source(ref.source, ref.table)
        if declared is not None and declared.path in owned:
            resolved.append(ResolvedInput(ref, "source", declared.relation))
            continue
        if declared is not None:
            staging = index.staging_for(declared) if reuse_staging else None
            if staging is not None and staging.path not in owned:
                resolved.append(ResolvedInput(ref, "reuse", staging.relation, staging.name))
            else:
                resolved.append(
                    ResolvedInput(ref, "declared", declared.relation, sources_file=declared.path)
                )
            continue
        siblings = index.tables_of(ref.source)
        if siblings:
            first = siblings[0]
            if first.package and first.package != index.name:
                raise ScaffoldError(
                    f"source {ref.source!r} is declared by the package {first.package!r}; "
                    f"declare {ref.table!r} there or in your own sources file"
                )
            where = Relation(first.relation.database, first.relation.schema, ref.table)
            resolved.append(ResolvedInput(ref, "new_table", where, sources_file=first.path))
            continue
        schema = source_schemas.get(ref.source, ref.source)
        resolved.append(ResolvedInput(ref, "source", Relation("", schema, ref.table)))
    return resolved


def _bare(ref: SourceRef, index: ProjectIndex, field: str) -> ResolvedInput:
    node = index.node(ref.table)
    if node is not None:
        return ResolvedInput(ref, "ref", node.relation, node.name)
    tables = [s for s in index.sources if s.table == ref.table]
    if tables:
        hint = f"; did you mean {tables[0].source}.{ref.table} (a declared source table)?"
    elif close := difflib.get_close_matches(ref.table, index.names(), n=1):
        hint = f'; did you mean "{close[0]}"?'
    else:
        hint = "; name a model or seed, or a source table as source.table"
    raise SpecError(
        f'{field}: "{ref.table}" is not a model or seed of the dbt project {index.name}{hint}',
        field=field,
    )


def input_columns(
    inputs: Sequence[ResolvedInput],
    found: Sequence[Sequence[ColumnInfo] | None],
    index: ProjectIndex,
) -> dict[SourceRef, list[ColumnInfo]]:
    """Each input's columns: the warehouse's, else (models, seeds) those the project declares.

    ``found`` holds, per input, the warehouse's columns of its relation (None: no such
    relation). A model not built yet is known by its documented columns, a seed by its
    CSV header.

    Raises:
        WarehouseError: naming every input whose columns are known nowhere.
    """
    columns: dict[SourceRef, list[ColumnInfo]] = {}
    missing = []
    for item, cols in zip(inputs, found, strict=True):
        if cols:
            columns[item.ref] = list(cols)
            continue
        node = index.node(item.model) if item.model else None
        if node is not None and node.columns:
            columns[item.ref] = [ColumnInfo(name, "") for name in node.columns]
        elif node is not None:
            missing.append(
                f"{item.ref.name} ({node.kind} {node.name} is not built at {item.relation} "
                f"and documents no columns: dbt build --select {node.name})"
            )
        else:
            missing.append(f"{item.ref.name} ({item.relation})")
    if missing:
        raise WarehouseError(f"not in the warehouse: {', '.join(missing)}")
    return columns
