"""The bookkeeping columns EL tools (Fivetran, Stitch, Airbyte) add to the tables they land.

Staging keeps the sync timestamp as ``_loaded_at``, drops the rows the loader marks as
deleted, and leaves every other bookkeeping column out of the model; the source YAML uses
the sync timestamp as ``loaded_at_field`` for freshness.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from martflow.core.models import ColumnInfo

LOADED_AT = "_loaded_at"
"""The staging column holding when the loader synced the row."""

_METADATA = {
    "fivetran": re.compile(r"_fivetran_\w+"),
    "stitch": re.compile(r"_sdc_\w+"),
    "airbyte": re.compile(r"_airbyte_\w+|_ab_cdc_\w+"),
}
# The column each loader stamps a row with when it lands it, best first.
_SYNCED = ("_fivetran_synced", "_sdc_batched_at", "_airbyte_extracted_at", "_airbyte_emitted_at")
# A soft delete: Fivetran flags the row; Stitch and Airbyte (CDC) stamp when it was deleted.
_DELETED: dict[str, Literal["flag", "timestamp"]] = {
    "_fivetran_deleted": "flag",
    "_sdc_deleted_at": "timestamp",
    "_ab_cdc_deleted_at": "timestamp",
}


@dataclass(frozen=True)
class LoaderColumns:
    """What a raw table's loader columns mean (warehouse names, as the warehouse spells them).

    Attributes:
        loader: "fivetran", "stitch", "airbyte", or "" when no loader column was found.
        synced: the sync timestamp column, or "".
        deleted: the soft-delete column, or "".
        deleted_kind: "flag" (true when deleted) or "timestamp" (set when deleted).
        dropped: every loader column, left out of the staging model's select list.
    """

    loader: str = ""
    synced: str = ""
    deleted: str = ""
    deleted_kind: Literal["flag", "timestamp"] = "flag"
    dropped: frozenset[str] = frozenset()


def loader_columns(columns: Sequence[ColumnInfo]) -> LoaderColumns:
    """Recognise the loader's columns among a raw table's (names compared in lower case)."""
    by_lower = {c.name.lower(): c.name for c in columns}
    dropped = frozenset(
        c.name
        for c in columns
        if any(pattern.fullmatch(c.name.lower()) for pattern in _METADATA.values())
    )
    if not dropped:
        return LoaderColumns()
    loader = next(
        name
        for name, pattern in _METADATA.items()
        if any(pattern.fullmatch(c.lower()) for c in dropped)
    )
    synced = next((by_lower[name] for name in _SYNCED if name in by_lower), "")
    deleted, kind = next(
        ((by_lower[name], kind) for name, kind in _DELETED.items() if name in by_lower),
        ("", "flag"),
    )
    return LoaderColumns(loader, synced, deleted, kind, dropped)
