"""Java for the Spark tests: installed from the system's packages when missing (as .ci/run does)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from martflow.project_scaffold.spark_local import JAVA_PACKAGE, java_command, java_major

NEEDED = 17
"""Spark 4 (PySpark 4) needs Java 17 or later."""


def ensure_java() -> str:
    """The ``java`` Spark will use; installs Debian's JRE first when missing, as root."""
    java = java_command()
    if java is not None and (java_major(java) or 0) >= NEEDED:
        return java
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", JAVA_PACKAGE],
            check=True,
            env=env,
            capture_output=True,
        )
        java = java_command()
    if java is None or (java_major(java) or 0) < NEEDED:
        pytest.fail(
            f"the Spark tests need Java {NEEDED} or later: apt-get install -y {JAVA_PACKAGE} "
            "(or set JAVA_HOME)"
        )
    return java
