"""DbtProcessRunner.interrupt() from another thread while a build holds the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from martflow.core.reports import BuildReport
from martflow.errors import CancelledError
from martflow.integrations.dbt import DbtProcessRunner
from tests.integrations.test_dbt import worker_test

SLOW_MODEL = (
    "{{ config(materialized='table') }}\n"
    "select count(*) as n\n"
    "from range(1000000) as a (i) cross join range(1000000) as b (j)\n"
    "where (a.i + b.j) % 7 = 3\n"
)
"""Hours of DuckDB work (10^12 rows): nothing but an interrupt ends it within a test run."""


@worker_test
def test_interrupt_cancels_the_running_build_and_the_next_build_works(
    dbt_project: Path, runner: DbtProcessRunner
) -> None:
    (dbt_project / "models" / "slow_spin.sql").write_text(SLOW_MODEL)
    started = threading.Event()
    outcome: list[BuildReport | BaseException] = []

    def on_event(text: str) -> None:
        if "START" in text and "slow_spin" in text:
            started.set()

    def build() -> None:
        try:
            outcome.append(runner.build(["slow_spin"], on_event=on_event))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=build)
    thread.start()
    assert started.wait(timeout=120), "dbt never started the slow model"
    pid = runner.pid
    assert pid is not None

    runner.interrupt()  # the build thread holds the call lock all along
    thread.join(timeout=60)
    ended = not thread.is_alive()
    if not ended:  # kill dbt ourselves so a broken interrupt fails the test, not hangs it
        os.kill(pid, signal.SIGKILL)
        thread.join()

    assert ended
    [error] = outcome
    assert isinstance(error, CancelledError)
    assert (error.title, error.message) == ("Cancelled", "dbt run cancelled")
    assert runner.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    report = runner.build(["stg_shop__orders"])
    assert report.failures == ()
    assert runner.pid not in {None, pid}


@worker_test
def test_interrupt_with_nothing_running_keeps_the_warm_worker(runner: DbtProcessRunner) -> None:
    runner.start()
    pid = runner.pid

    runner.interrupt()
    report = runner.build(["stg_shop__orders"])  # a call made after the interrupt runs

    assert report.failures == ()
    assert runner.pid == pid


def test_orphaned_worker_exits_when_its_parent_dies(tmp_path) -> None:
    """The worker's watchdog ends it mid-query when the process that started it is killed."""
    grandchild = (
        "import os, time; from martflow.integrations.dbt_worker import watch_parent; "
        "watch_parent(os.getppid(), interval=0.05); print(os.getpid(), flush=True); time.sleep(600)"
    )
    middle = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', {grandchild!r}], stdout=sys.stdout); "
        "time.sleep(600)"
    )
    parent = subprocess.Popen([sys.executable, "-c", middle], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if _is_zombie(pid):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("the orphaned worker kept running")


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True
