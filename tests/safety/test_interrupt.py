"""Ctrl-C during a dbt build: out in seconds, dbt stopped, the step failed: interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from martflow.core.document import Document
from martflow.core.document_text import render_text
from martflow.core.models import StepOutcome, StepState
from martflow.core.workflow.engine import Engine, StepContext
from martflow.core.workflow.ledger import Ledger
from martflow.integrations.tracker.local import LocalTracker
from tests.fakes.memory_tracker import MemoryTracker
from tests.integrations.conftest import make_dbt_project
from tests.integrations.test_dbt_cancel import SLOW_MODEL
from tests.safety.process_support import children, martflow_env, run_martflow


def martflow(root: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "martflow", *args],
        cwd=root,
        env=martflow_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_step_interrupted_by_ctrl_c_is_recorded_failed_and_the_run_ends(tmp_path):
    tracker = MemoryTracker()
    tracker.create_ticket("Orders")
    ledger = Ledger(tmp_path / "state.db")

    def start(_context: StepContext) -> StepOutcome:
        return StepOutcome(ok=True, detail="on branch x", comment=Document.from_text("started"))

    def scaffold(_context: StepContext) -> StepOutcome:
        raise KeyboardInterrupt

    engine = Engine(ledger, tracker, {"start": start, "scaffold": scaffold}, lambda _s: None)
    with pytest.raises(KeyboardInterrupt):
        engine.run("DEMO-1")

    steps = {s.name: s for s in ledger.steps("DEMO-1")}
    assert (steps["scaffold"].state, steps["scaffold"].detail) == (StepState.FAILED, "interrupted")
    assert steps["lint"].state is StepState.PENDING
    queued = [render_text(Document.from_payload(e.payload)) for e in ledger.outbox("DEMO-1")]
    assert queued == ["started"]  # nothing about Ctrl-C
    assert ledger.lock_holder("DEMO-1") is None


@pytest.mark.slow
def test_ctrl_c_during_a_build_ends_the_run_and_cancels_dbt(tmp_path):
    root = tmp_path / "repo"
    project = make_dbt_project(root / "shop")
    (project / "models" / "slow_spin.sql").write_text(SLOW_MODEL)
    (root / "config.toml").write_text('[dbt]\nproject_dir = "shop"\nprofiles_dir = "shop"\n')
    LocalTracker(root / ".martflow" / "tracker.db").create_ticket("Slow mart")
    ledger = Ledger(root / ".martflow" / "state.db")
    artifacts = {"files": [], "models": ["slow_spin"], "mart": "slow_spin"}
    for step, done in (("start", {}), ("scaffold", artifacts), ("lint", {})):
        ledger.mark_running("DEMO-1", step)
        ledger.finish_step("DEMO-1", step, StepState.SUCCEEDED, "done", done)

    proc = martflow(root, "build", "DEMO-1")
    started = threading.Event()
    stderr: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            stderr.append(line)
            if "START" in line and "slow_spin" in line:
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(timeout=120), "".join(stderr)
        workers = children(proc.pid)
        assert workers, "no dbt worker process"

        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        code = proc.wait(timeout=8)  # the old code gave the worker 10 s before killing it
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            for pid in children(proc.pid):
                os.kill(pid, signal.SIGKILL)
    reader.join(timeout=5)

    print(f"Ctrl-C to exit: {took:.2f} s")
    assert code == 130
    assert stderr[-1] == "martflow: interrupted\n"
    for pid in workers:  # dbt stopped with the run, not left spinning
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    build = Ledger(root / ".martflow" / "state.db").step("DEMO-1", "build")
    assert (build.state, build.detail) == (StepState.FAILED, "interrupted")
    status = run_martflow(root, "status", "DEMO-1", "--json")
    steps = {s["name"]: s for s in json.loads(status.stdout)["steps"]}
    assert (steps["build"]["state"], steps["build"]["detail"]) == ("failed", "interrupted")
    assert json.loads(status.stdout)["outbox"] == []  # the ticket is not told
