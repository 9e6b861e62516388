"""sqlfluff's stand-ins for dbt's Jinja objects, for linting with the jinja templater.

dbt renders martflow's models with the real ``adapter`` and dbt's cross-database macros
(``dbt.cast``, ``dbt.safe_cast``, ``dbt.type_string``...); sqlfluff's jinja templater knows
neither, and loads this package instead (``.sqlfluff``: ``library_path = sqlfluff_libs``).
It is a package so that its ``dbt`` module never takes the place of the real ``dbt``.
What the stand-ins write follows the repo's sqlfluff dialect, set below by martflow.
"""

DIALECT = "duckdb"
