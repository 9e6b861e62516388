"""Stand-in for dbt's ``adapter`` (lint only: dbt uses the real one)."""

from sqlfluff_libs import DIALECT

_BACKTICKS = frozenset({"sparksql", "databricks", "bigquery", "hive", "mysql"})


def quote(identifier):
    """``identifier`` quoted as the dialect's warehouses quote it: backticks or double quotes."""
    mark = "`" if DIALECT in _BACKTICKS else '"'
    return mark + str(identifier).replace(mark, mark + mark) + mark
