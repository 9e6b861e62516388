"""sqlfluff's stand-in for dbt's ``adapter`` when linting with the jinja templater.

martflow's staging models quote warehouse columns with ``{{ adapter.quote('Name') }}``;
dbt renders that with the real adapter, sqlfluff's jinja templater with this module
(``library_path``). martflow lint adds it when the project configures no library_path.
"""


def quote(identifier):
    """ANSI double quotes, as most warehouses quote (lint only: dbt uses the real adapter)."""
    return '"' + str(identifier).replace('"', '""') + '"'
