"""What a spec may name as inputs: declared sources, raw tables not declared yet, seeds and
existing staging models, each with the column names a spec refers to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from martflow.core.models import ColumnInfo
from martflow.core.project import DeclaredSource, ProjectIndex, ProjectNode, Relation
from martflow.services.ports import (
    HasDbt,
    HasProject,
    HasScaffolder,
    HasSqlDialects,
    HasWarehouse,
)

CatalogKind = Literal["source", "raw", "seed", "model"]


class CatalogPorts(HasProject, HasDbt, HasScaffolder, HasSqlDialects, HasWarehouse, Protocol):
    """The parsed project, the files martflow owns and the warehouse's tables."""


@dataclass(frozen=True)
class CatalogColumn:
    """A column: the warehouse's name and type, and the name a spec uses for it."""

    raw: str
    name: str
    data_type: str


@dataclass(frozen=True)
class CatalogTable:
    """An input a spec may list under ``sources``.

    ``source`` is empty for a seed or model, which a spec names bare (``stg_orders``).
    """

    source: str
    schema: str
    table: str
    columns: tuple[CatalogColumn, ...]
    kind: CatalogKind = "raw"

    @property
    def name(self) -> str:
        """How ``sources`` names it: ``shop.orders``, or ``stg_orders`` for a model or seed."""
        return f"{self.source}.{self.table}" if self.source else self.table


def source_catalog(context: CatalogPorts) -> list[CatalogTable]:
    """Every input a spec may name (slow: parses the project and asks the warehouse).

    Declared source tables (through their staging model when one exists), raw tables of
    the sources' schemas and ``[scaffold] source_schemas`` that nothing declares yet,
    seeds, and staging models by name. A dbt model is never offered as a raw table.
    Column names are those a spec refers to: as the generated staging model will name
    them for raw tables, as they are for seeds and models.

    Raises:
        WarehouseError: a schema is missing or the warehouse cannot be read.
        DbtError: the project does not parse.
    """
    from martflow.project_scaffold.naming import column_names

    if not (context.project.dbt_project_dir / "dbt_project.yml").is_file():
        return []  # no dbt project yet: nothing to offer, and no dbt to start
    index = context.dbt().project_index()
    owned = context.scaffolder().owned()
    reuse = context.project.config.scaffold.reuse_staging
    policy = context.sql_dialects().identifier_policy(
        context.project.config.lint.dialect or "duckdb"
    )

    def staged(columns: tuple[ColumnInfo, ...]) -> tuple[CatalogColumn, ...]:
        names = column_names([c.name for c in columns], policy.is_keyword)
        return tuple(
            CatalogColumn(c.name, n, c.data_type) for c, n in zip(columns, names, strict=True)
        )

    schemas = _schemas(context, index)
    listed = context.warehouse().schema_tables(list(schemas)) if schemas else {}
    models = _input_models(index, owned)
    found = context.warehouse().relation_columns([n.relation for n in models])
    catalog: list[CatalogTable] = []
    for schema, source in schemas.items():
        for table, columns in sorted(listed.get(schema, [])):
            owner = index.owner_of(Relation("", schema, table))
            if owner is None:
                catalog.append(CatalogTable(source, schema, table, staged(columns), "raw"))
            elif isinstance(owner, DeclaredSource) and not (reuse and _reused(owner, index, owned)):
                declared = CatalogTable(
                    owner.source, schema, owner.table, staged(columns), "source"
                )
                catalog.append(declared)
    for node, read in zip(models, found, strict=True):
        if read is not None:
            cols = tuple(CatalogColumn(c.name, c.name, c.data_type) for c in read)
        else:
            cols = tuple(CatalogColumn(name, name, "") for name in node.columns)
        kind: CatalogKind = "seed" if node.kind == "seed" else "model"
        catalog.append(CatalogTable("", node.relation.schema, node.name, cols, kind))
    return sorted(catalog, key=lambda t: (t.kind in ("seed", "model"), t.name))


def _schemas(context: CatalogPorts, index: ProjectIndex) -> dict[str, str]:
    """Schema -> the source name its undeclared tables get."""
    schemas: dict[str, str] = {}
    for declared in index.sources:
        if declared.package in ("", index.name):
            schemas.setdefault(declared.relation.schema, declared.source)
    for source, schema in sorted(context.project.config.scaffold.source_schemas.items()):
        if not any(s.lower() == schema.lower() for s in schemas):
            schemas[schema] = source
    return schemas


def _reused(declared: DeclaredSource, index: ProjectIndex, owned: set[str]) -> bool:
    staging = index.staging_for(declared)
    return staging is not None and staging.path not in owned


def _input_models(index: ProjectIndex, owned: set[str]) -> list[ProjectNode]:
    """The project's seeds and staging models (not those martflow generated itself)."""
    seeds = [n for n in index.nodes if n.kind == "seed" and n.package == index.name]
    return seeds + [n for n in index.staging_models() if n.path not in owned]
