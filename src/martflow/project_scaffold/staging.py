"""How a raw table's real columns become a staging model's select list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from martflow.core.models import ColumnInfo, SourceRef
from martflow.core.naming import IDENTIFIER_RE, staging_model
from martflow.core.quoting import IdentifierPolicy
from martflow.errors import WarehouseError
from martflow.project_scaffold.cleaning import Cleaning
from martflow.project_scaffold.el_metadata import LOADED_AT, LoaderColumns, loader_columns
from martflow.project_scaffold.naming import adapter_quote_call, adapter_quoted, column_names

_TEXT_TYPES = ("VARCHAR", "CHAR", "TEXT", "STRING", "CHARACTER", "NVARCHAR", "BPCHAR")
_TIMESTAMP_NAME = re.compile(r"(?:^|_)(?:at|time)$|timestamp")
_DATE_NAME = re.compile(r"^date$|_date$|_on$")
CAST_TYPES = {"date": "'date'", "timestamp": "dbt.type_timestamp()"}
"""The type argument ``dbt.safe_cast`` gets per cast (the adapter names its timestamp type)."""


@dataclass(frozen=True)
class StagedColumn:
    """One column of a staging model.

    Attributes:
        raw: the warehouse's name (untrusted).
        name: the snake_case name the model exposes.
        sql: how the select refers to the raw column: ``{{ adapter.quote('...') }}``.
        cast: "" (keep the type), "date" or "timestamp".
        noqa: sqlfluff rule codes the reference trips (none: the quoting is templated).
        text: the warehouse reports a text type.
        pii: "hash" or "mask" for a personal-data column (a dropped one is left out).
        cleaning: the flag or category cleaning its profile called for.
        governed: the select expression of a PII or cleaned column.
    """

    raw: str
    name: str
    sql: str
    cast: str
    noqa: str = ""
    text: bool = False
    pii: str = ""
    cleaning: Cleaning = field(default_factory=Cleaning)
    governed: str = ""

    @property
    def expression(self) -> str:
        """What the select list writes before ``as name``: the reference, parsed by
        ``dbt.safe_cast`` (the adapter's cast, ``try_cast`` where it has one) when cast."""
        if self.governed:
            return self.governed
        if not self.cast:
            return self.sql
        return (
            "{{ dbt.safe_cast("
            + adapter_quote_call(self.raw)
            + ", "
            + CAST_TYPES[self.cast]
            + ") }}"
        )


@dataclass(frozen=True)
class StagedTable:
    """A staging model: one raw table, renamed, cast and deduplicated; ``loader`` says which
    of its columns an EL tool added (left out, but for the sync time and soft deletes).

    With ``existing`` set it is a model or seed the project already has (a reused staging
    model, or a bare spec input): martflow selects from it and generates nothing.
    """

    ref: SourceRef
    columns: tuple[StagedColumn, ...]
    existing: str = ""
    loader: LoaderColumns = field(default_factory=LoaderColumns)
    dropped_pii: tuple[str, ...] = ()
    """Personal-data columns left out of the model (``[scaffold] pii = "drop"``)."""
    salt: str = ""
    """The SQL reading the session's salt, when a column is hashed (the ``pii_salt`` CTE)."""

    @property
    def model(self) -> str:
        """The model the intermediate selects from: the existing one, or the one generated."""
        return self.existing or staging_model(self.ref.source, self.ref.table)

    @property
    def generated(self) -> bool:
        """True when martflow writes this staging model."""
        return not self.existing

    def column(self, name: str) -> StagedColumn | None:
        return next((c for c in self.columns if c.name == name), None)


def is_text(data_type: str) -> bool:
    """Whether the warehouse's type is a text type."""
    return data_type.strip().upper().startswith(_TEXT_TYPES)


def cast_for(name: str, data_type: str) -> str:
    """The cast a text column gets from its name; other types keep theirs."""
    if not is_text(data_type):
        return ""
    base = name.rstrip("_")
    if _TIMESTAMP_NAME.search(base):
        return "timestamp"
    if _DATE_NAME.search(base):
        return "date"
    return ""


def stage_table(
    ref: SourceRef, columns: Sequence[ColumnInfo], policy: IdentifierPolicy
) -> StagedTable:
    """Plan the select list of ``ref``'s staging model from its real columns.

    An EL tool's bookkeeping columns are left out, but for its sync timestamp, kept last
    as ``_loaded_at``.
    """
    if not columns:
        raise WarehouseError(f"the warehouse reports no columns for {ref.name}")
    loader = loader_columns(columns)
    data = [c for c in columns if c.name not in loader.dropped]
    if not data:
        raise WarehouseError(f"{ref.name} has only its loader's columns ({loader.loader})")
    names = column_names([c.name for c in data], policy.is_keyword)
    staged = [
        StagedColumn(
            raw=info.name,
            name=name,
            sql=adapter_quoted(info.name),
            cast=cast_for(name, info.data_type),
            text=is_text(info.data_type),
        )
        for info, name in zip(data, names, strict=True)
    ]
    if loader.synced and LOADED_AT not in names:
        staged.append(StagedColumn(loader.synced, LOADED_AT, adapter_quoted(loader.synced), ""))
    return StagedTable(ref=ref, columns=tuple(staged), loader=loader)


def existing_table(ref: SourceRef, model: str, columns: Sequence[ColumnInfo]) -> StagedTable:
    """An input martflow selects from as it is: ``model``'s columns under their own names.

    Warehouses that fold unquoted names to upper case report ``CUSTOMER_ID``: such a name is
    referred to in lower case, like a spec does. Other names keep their spelling (a spec
    cannot name them, and the intermediate model never selects them).
    """
    if not columns:
        raise WarehouseError(f"the warehouse reports no columns for {model}")
    staged = []
    for info in columns:
        name = info.name.lower() if IDENTIFIER_RE.fullmatch(info.name.lower()) else info.name
        staged.append(StagedColumn(raw=info.name, name=name, sql=name, cast=""))
    return StagedTable(ref=ref, columns=tuple(staged), existing=model)
