"""The warehouse's source tables as a spec names them: staged column names next to raw ones."""

from __future__ import annotations

from dataclasses import dataclass

from martflow.context import AppContext


@dataclass(frozen=True)
class CatalogColumn:
    """A source column: the warehouse's name and type, and the name staging gives it."""

    raw: str
    name: str
    data_type: str


@dataclass(frozen=True)
class CatalogTable:
    """A raw table a spec may list under ``sources`` as ``source.table``."""

    source: str
    schema: str
    table: str
    columns: tuple[CatalogColumn, ...]

    @property
    def name(self) -> str:
        """``shop.orders``: how ``sources`` names it."""
        return f"{self.source}.{self.table}"


def source_catalog(context: AppContext) -> list[CatalogTable]:
    """Every table of ``[scaffold] source_schemas`` (slow: asks the warehouse through dbt).

    Column names are the snake_case names the staging models give them, which is what a
    spec's grain, dimensions and measures refer to.

    Raises:
        WarehouseError: a configured schema is missing or the warehouse cannot be read.
    """
    from martflow.project_scaffold.identifiers import identifier_policy
    from martflow.project_scaffold.naming import column_names

    tables = context.warehouse().tables()
    if not tables:
        return []
    policy = identifier_policy(context.config.lint.dialect or "duckdb")
    catalog = []
    for info in tables:
        names = column_names([c.name for c in info.columns], policy.is_keyword)
        columns = tuple(
            CatalogColumn(c.name, name, c.data_type)
            for c, name in zip(info.columns, names, strict=True)
        )
        catalog.append(CatalogTable(info.source, info.schema, info.table, columns))
    return catalog
