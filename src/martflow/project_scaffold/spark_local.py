"""A local Spark warehouse for a repo: the dbt-spark ``session`` profile and its runtime checks.

dbt-spark's ``session`` method runs Spark in local mode inside the dbt process. Spark's
session keeps its catalog in an embedded Derby database (Hive support) and its tables in a
warehouse folder; by default both land in the working directory, i.e. the user's repo.
The profile pins them under ``.martflow/spark/`` (git-ignored) with relative paths: martflow
always runs dbt from the project folder, so the same profile works on every clone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from martflow.errors import UsageError

SPARK_STATE = Path(".martflow") / "spark"
"""Where the metastore, derby.log and the warehouse live, relative to the dbt project."""
JAVA_PACKAGE = "openjdk-17-jre-headless"
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def session_settings(state: Path = SPARK_STATE) -> dict[str, str]:
    """Spark settings (dbt-spark ``server_side_parameters``) keeping Spark's files in ``state``.

    Derby resolves ``databaseName`` against ``derby.system.home`` and writes ``derby.log``
    there; the warehouse folder is resolved against the working directory. All of them
    take effect only when a process starts its first Spark session.
    """
    home = state.as_posix()
    return {
        "spark.sql.warehouse.dir": f"{home}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            "jdbc:derby:;databaseName=metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
        # Local mode on a laptop: no web UI to bind a port, few shuffle partitions.
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
    }


def session_output(schema: str = "analytics") -> dict[str, object]:
    """The profiles.yml output of a local Spark session building into ``schema``."""
    return {
        "type": "spark",
        "method": "session",
        "host": "localhost",  # required by dbt-spark, unused by the session method
        "schema": schema,
        "threads": 1,
        "server_side_parameters": session_settings(),
    }


def check_runtime() -> None:
    """PySpark, dbt-spark and a recent enough Java are installed; else UsageError saying how."""
    missing = [name for name in ("pyspark", "dbt.adapters.spark") if not _importable(name)]
    if missing:
        raise UsageError(
            f"--warehouse spark needs {' and '.join(missing)}: pip install 'martflow[spark]'"
        )
    needed = 17 if _pyspark_major() >= 4 else 8
    java = java_command()
    if java is None:
        raise UsageError(
            f"--warehouse spark needs Java {needed} or later and none was found (JAVA_HOME, "
            f"PATH): install it, e.g. apt-get install -y {JAVA_PACKAGE}"
        )
    found = java_major(java)
    if found is not None and found < needed:
        raise UsageError(
            f"Spark {_pyspark_major()} needs Java {needed} or later; {java} is Java {found}: "
            f"install a newer one (e.g. apt-get install -y {JAVA_PACKAGE}) or set JAVA_HOME"
        )


def java_command() -> str | None:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def java_major(java: str) -> int | None:
    """The major version ``java -version`` reports (8 for ``1.8.0``), or None if unreadable."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _JAVA_VERSION.search(result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match[1])
    return int(match[2] or 0) if major == 1 else major


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _pyspark_major() -> int:
    try:
        return int(metadata.version("pyspark").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return 4
