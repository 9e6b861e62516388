"""A process SIGKILLed at any point leaves a state from which `run` completes exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from martflow.core.models import STEP_NAMES, StepState
from martflow.core.workflow.ledger import Ledger
from martflow.integrations.tracker.local import LocalTracker

CHILD = Path(__file__).with_name("kill_child.py")
ROOT = Path(__file__).resolve().parents[2]

KILL_POINTS = [
    "in-step:start",
    "in-step:build",
    "after-finish:scaffold",
    "after-finish:publish",
    "before-post:1",
    "after-post:1",
    "after-post:4",
    "after-transition:1",
    "after-transition:3",
]


def run_child(folder: Path, kill_at: str = "") -> int:
    args = [sys.executable, str(CHILD), str(folder)] + ([kill_at] if kill_at else [])
    return subprocess.run(args, cwd=ROOT, timeout=120, check=False).returncode


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_killed_run_resumes_without_duplicate_or_lost_comment(tmp_path, kill_at):
    assert run_child(tmp_path, kill_at) == -signal.SIGKILL
    assert run_child(tmp_path) == 0
    ticket = LocalTracker(tmp_path / "tracker.db").get_ticket("DEMO-1")
    bodies = [c.body.split("\n\nmartflow-op:")[0] for c in ticket.comments]
    assert bodies == [f"{name} done" for name in STEP_NAMES]
    assert ticket.status == "Done"
    steps = Ledger(tmp_path / "state.db").steps("DEMO-1")
    assert [s.state for s in steps] == [StepState.SUCCEEDED] * len(STEP_NAMES)
    # A third run finds nothing to do and posts nothing.
    assert run_child(tmp_path) == 0
    again = LocalTracker(tmp_path / "tracker.db").get_ticket("DEMO-1")
    assert len(again.comments) == len(STEP_NAMES)
