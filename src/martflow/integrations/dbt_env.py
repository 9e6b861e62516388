"""The environment a dbt worker process gets: an allow-list, no tracker or Tableau secrets."""

from __future__ import annotations

from collections.abc import Mapping

_ENV_EXACT = frozenset({"PATH", "HOME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV", "JAVA_HOME"})
"""JAVA_HOME: dbt-spark's session method starts Spark's JVM from it."""
_SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD")


def worker_env(
    environ: Mapping[str, str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The allow-listed environment a dbt worker gets: no tracker or Tableau secrets.

    ``extra`` is for values the caller deliberately hands to dbt (warehouse credentials
    referenced by profiles.yml); nothing else from the parent's environment passes
    unless it is on the list.
    """
    env: dict[str, str] = {}
    for name, value in environ.items():
        upper = name.upper()
        allowed = (
            name in _ENV_EXACT
            or name.startswith("LC_")
            or (name.startswith("PYTHON") and name != "PYTHONPATH")
            or (name.startswith("DBT_") and not any(m in upper for m in _SECRET_MARKERS))
        )
        if allowed:
            env[name] = value
    env.update({"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    env.update(extra or {})
    return env
