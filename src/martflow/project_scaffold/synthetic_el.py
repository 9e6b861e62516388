"""The synthetic shop landed as an EL tool lands it (``martflow demo --el``).

Each raw table gets its loader's bookkeeping columns, appended after the data columns:

``fivetran``  ``_fivetran_synced`` TIMESTAMP, ``_fivetran_deleted`` BOOLEAN,
              ``_fivetran_id`` VARCHAR
``stitch``    ``_sdc_batched_at``, ``_sdc_received_at``, ``_sdc_extracted_at`` TIMESTAMP,
              ``_sdc_sequence`` BIGINT, ``_sdc_table_version`` BIGINT,
              ``_sdc_deleted_at`` TIMESTAMP (set on deleted rows)
``airbyte``   ``_airbyte_raw_id`` VARCHAR, ``_airbyte_extracted_at`` TIMESTAMP,
              ``_airbyte_meta`` JSON, ``_airbyte_generation_id`` BIGINT,
              ``_ab_cdc_updated_at`` TIMESTAMP, ``_ab_cdc_deleted_at`` TIMESTAMP (set on
              deleted rows), ``_ab_cdc_lsn`` BIGINT

and about 1% extra rows (at least one per table) that the loader marks as deleted: copies
of live rows under a new key (the old key plus ``DELETED_KEY_OFFSET``) that nothing refers
to. The live rows are exactly the plain shop's, so a staging model that drops the deleted
rows and leaves the bookkeeping out gives the same marts as the plain shop.
"""

from __future__ import annotations

import datetime as dt

EL_TOOLS = ("fivetran", "stitch", "airbyte")
DELETED_KEY_OFFSET = 1_000_000_000

KEYS = {
    "customers": "Customer ID",
    "products": "Product_ID",
    "orders": "order_id",
    "order_items": "order_item_id",
    "payments": "payment_id",
}
"""Each shop table's key, which the bookkeeping values are hashed from."""


def _columns(el: str, key: str, deleted: bool) -> str:
    """The bookkeeping columns' select list (our own constants; no user text)."""
    synced = f"_synced(\"{key}\", '{el}')"
    when_deleted = synced if deleted else "null::timestamp"
    row_id = f"md5(concat('{el}', \"{key}\", {str(deleted).lower()}))"
    if el == "fivetran":
        return (
            f'{synced} as "_fivetran_synced", {str(deleted).lower()} as "_fivetran_deleted", '
            f'{row_id} as "_fivetran_id"'
        )
    if el == "stitch":
        return (
            f'{synced} as "_sdc_batched_at", '
            f'{synced} - interval 5 minute as "_sdc_received_at", '
            f'{synced} - interval 10 minute as "_sdc_extracted_at", '
            f'epoch_ms({synced}) as "_sdc_sequence", 0::bigint as "_sdc_table_version", '
            f'{when_deleted} as "_sdc_deleted_at"'
        )
    return (
        f'{row_id} as "_airbyte_raw_id", {synced} as "_airbyte_extracted_at", '
        '\'{"changes": []}\'::json as "_airbyte_meta", '
        '0::bigint as "_airbyte_generation_id", '
        f'{synced} - interval 1 hour as "_ab_cdc_updated_at", '
        f'{when_deleted} as "_ab_cdc_deleted_at", '
        f'epoch_ms({synced}) as "_ab_cdc_lsn"'
    )


def el_statements(el: str, schema: str) -> list[str]:
    """DuckDB statements turning the plain shop in ``schema`` into ``el``'s landing shape.

    Run after ``synthetic._statements`` on the same connection (they use its ``_r`` and
    ``_pm`` macros). Rows were synced over the day before the current hour (UTC), so the
    freshly landed demo passes its source freshness checks.
    """
    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    start = (hour - dt.timedelta(days=1)).isoformat(sep=" ")
    statements = [
        "create temp macro _synced(i, c) as "
        f"timestamp '{start}' + to_seconds((_r(i, c) % 86400)::bigint)",
    ]
    for table, key in KEYS.items():
        plain, landed = f'"{schema}"."{table}"', f'"{schema}"."{table}__{el}"'
        statements += [
            f"""
            create table {landed} as
            select *, {_columns(el, key, deleted=False)} from {plain}
            union all
            select * replace ("{key}" + {DELETED_KEY_OFFSET} as "{key}"),
                {_columns(el, key, deleted=True)}
            from {plain}
            where "{key}" = 1 or _pm("{key}", 'el_deleted') < 10
            """,
            f"drop table {plain}",
            f'alter table {landed} rename to "{table}"',
        ]
    return statements
