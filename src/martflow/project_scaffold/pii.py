"""Personal data in staging: a PII column is hashed (salted), masked or dropped.

The salt is a secret (``MARTFLOW_PII_SALT``) that never appears in a model, the manifest
or compiled SQL: each dbt session holds it as a session setting that the connection
sets (DuckDB: a variable set by martflow's dbt-duckdb plugin; Postgres: a custom setting
given through ``PGOPTIONS``), and the model reads it by name in a ``pii_salt`` CTE.
"""

from __future__ import annotations

from martflow.errors import ScaffoldError

SALT_VARIABLE = "MARTFLOW_PII_SALT"
"""The environment variable (or keyring entry) holding the salt."""
PII_MODES = ("hash", "mask", "drop")

# How each warehouse's session hands the model its salt (the sqlfluff dialect names it).
_SALT_SQL = {
    "duckdb": (
        "coalesce(\n            getvariable('martflow_pii_salt'),\n"
        f"            error('{SALT_VARIABLE} is not set for this dbt session (see docs/pii.md)')"
        "\n        )"
    ),
    "postgres": "current_setting('martflow.pii_salt')",
}
_MASK_SQL = {
    "duckdb": "regexp_replace({value}, '[A-Za-z0-9]', '*', 'g')",
    "postgres": "regexp_replace({value}, '[A-Za-z0-9]', '*', 'g')",
}
_MASK_DEFAULT = "regexp_replace({value}, '[A-Za-z0-9]', '*')"
"""Snowflake, Spark, BigQuery, Redshift: regexp_replace replaces every match."""


def salt_sql(dialect: str) -> str:
    """The SQL reading the session's salt; ScaffoldError where martflow sets none."""
    try:
        return _SALT_SQL[dialect]
    except KeyError:
        supported = ", ".join(sorted(_SALT_SQL))
        raise ScaffoldError(
            f'[scaffold] pii = "hash" needs a session salt, which martflow sets on '
            f'{supported}; on {dialect} use pii = "mask" or "drop"'
        ) from None


def salt_environment(salt: str, pgoptions: str = "") -> dict[str, str]:
    """The dbt worker's variables that set the salt in each session it opens.

    ``MARTFLOW_PII_SALT`` is read by martflow's dbt-duckdb plugin; libpq's ``PGOPTIONS``
    sets the custom setting ``martflow.pii_salt`` on every Postgres connection (unless the
    profile sets ``search_path``, which replaces the options). Neither is ever written to a
    file, a log or a query text.
    """
    escaped = salt.replace("\\", "\\\\").replace(" ", "\\ ")
    options = f"{pgoptions} -c martflow.pii_salt={escaped}".strip()
    return {SALT_VARIABLE: salt, "PGOPTIONS": options}


def hash_expression(quote_call: str) -> str:
    """``{{ dbt.hash(...) }}`` of the salt and the column (as text), in the model's Jinja."""
    value = f"dbt.cast({quote_call}, dbt.type_string())"
    return (
        "{{ dbt.hash(dbt.concat([\n"
        "            '(select salt from pii_salt)',\n"
        f"            {value}\n"
        "        ])) }}"
    )


def mask_expression(quote_call: str, dialect: str) -> str:
    """Every letter and digit of the column (as text) replaced by ``*``."""
    value = "{{ dbt.cast(" + quote_call + ", dbt.type_string()) }}"
    return _MASK_SQL.get(dialect, _MASK_DEFAULT).format(value=value)


def treatment_note(mode: str, raw: str) -> str:
    """The YAML description of a PII column."""
    what = {
        "hash": "a salted hash of",
        "mask": "a mask (letters and digits as *) of",
    }[mode]
    return f'Personal data (PII): {what} source column "{raw}".'
