"""A full disk, a read-only state folder or a damaged database: one line, exit 2, ledger intact.

The disk and the read-only folder are real: each scenario runs in its own mount namespace
(``unshare``) over a small tmpfs or a read-only bind mount of ``.martflow``.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from martflow.core.models import StepOutcome, StepState
from martflow.core.workflow.engine import Engine, StepContext
from martflow.core.workflow.ledger import Ledger
from martflow.errors import StorageError
from tests.cli.repo_support import make_repo
from tests.fakes.memory_tracker import MemoryTracker
from tests.safety.process_support import run_martflow

MARTFLOW = f"{shlex.quote(sys.executable)} -m martflow"


def in_mount_namespace(root: Path, script: str) -> str:
    """Run ``script`` with sh in ``root`` inside a private mount namespace; its stdout."""
    unshare = shutil.which("unshare")
    assert unshare, "these tests need unshare (util-linux) to mount a small disk"
    flags = ["--mount"] if os.geteuid() == 0 else ["--mount", "--map-root-user"]
    done = subprocess.run(
        [unshare, *flags, "sh", "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "unshare failed" not in done.stderr, (
        "cannot create a mount namespace here (unprivileged user namespaces disabled?): "
        + done.stderr
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose DEMO-1 has a started pipeline recorded in .martflow/."""
    root = make_repo(tmp_path / "repo", '[tracker]\nproject = "DEMO"\n')
    assert run_martflow(root, "tickets", "create", "--summary", "Orders").returncode == 0
    assert run_martflow(root, "start", "DEMO-1").returncode == 0
    return root


def recorded(root: Path) -> dict[str, str]:
    status = json.loads(run_martflow(root, "status", "DEMO-1", "--json").stdout)
    return {s["name"]: s["state"] for s in status["steps"]}


def report(name: str, *command: str) -> str:
    """Shell lines running ``martflow COMMAND`` and printing its exit code and stderr."""
    return (
        f"{MARTFLOW} {' '.join(command)} >/dev/null 2>{name}.err; echo {name}=$?; "
        f"cat {name}.err | sed 's/^/{name}: /'; "
    )


def outcomes(output: str) -> dict[str, tuple[int, list[str]]]:
    codes = {}
    for line in output.splitlines():
        key, sep, rest = line.partition("=")
        if sep and rest.isdigit():
            lines = [
                ln.split(": ", 1)[1] for ln in output.splitlines() if ln.startswith(key + ": ")
            ]
            codes[key] = (int(rest), lines)
    return codes


def test_a_full_disk_is_one_line_exit_2_and_the_ledger_survives(repo):
    script = (
        "set -u; save=$(mktemp -d); cp -a .martflow/. $save/; "
        "mount -t tmpfs -o size=256k tmpfs .martflow; cp -a $save/. .martflow/; "
        "dd if=/dev/zero of=.martflow/ballast bs=4096 2>/dev/null; "
        + report("run", "run", "DEMO-1")
        + report("status", "status", "DEMO-1")
        + report("tickets", "tickets")
        + "rm .martflow/ballast; "
        + report("after", "status", "DEMO-1", "--json")
        + "cp -a .martflow .martflow_after"
    )
    results = outcomes(in_mount_namespace(repo, script))
    full = "no space left on the disk holding"
    for command in ("run", "status", "tickets"):
        code, lines = results[command]
        assert code == 2, (command, lines)
        assert len(lines) == 1 and lines[0].startswith(f"martflow: {full} {repo}/.martflow/")
        assert "free some space and run again" in lines[0] and "Traceback" not in lines[0]
    assert results["after"] == (0, [])
    shutil.rmtree(repo / ".martflow")
    (repo / ".martflow_after").rename(repo / ".martflow")
    assert recorded(repo)["start"] == "succeeded"
    assert run_martflow(repo, "run", "DEMO-1", "--until", "start").returncode == 0


def test_a_read_only_state_folder_is_one_line_exit_2(repo):
    script = (
        "mount --bind .martflow .martflow && mount -o remount,bind,ro .martflow; "
        + report("run", "run", "DEMO-1")
        + report("status", "status", "DEMO-1")
        + report("tickets", "tickets")
    )
    results = outcomes(in_mount_namespace(repo, script))
    for command in ("run", "status", "tickets"):
        assert results[command] == (
            2,
            [
                f"martflow: {repo}/.martflow is read-only: make it writable "
                "(martflow keeps its state there) and run again"
            ],
        ), command
    assert recorded(repo)["start"] == "succeeded"


@pytest.mark.parametrize(("name", "command"), [("state.db", "status"), ("tracker.db", "tickets")])
def test_a_damaged_database_is_one_line_exit_2_and_left_as_it_was(repo, name, command):
    damaged = repo / ".martflow" / name
    for leftover in damaged.parent.glob(f"{name}-*"):
        leftover.unlink()
    garbage = b"not a database " * 400
    damaged.write_bytes(garbage)

    done = run_martflow(repo, command)
    also = run_martflow(repo, "run", "DEMO-1")

    for result in (done, also):
        assert result.returncode == 2
        assert result.stderr.splitlines()[-1].startswith(f"martflow: {damaged} is damaged")
        assert "Traceback" not in result.stderr
    assert done.stderr == (
        f"martflow: {damaged} is damaged (not a readable SQLite database): move it aside "
        "and run again to start it afresh, or restore it from a backup\n"
    )
    assert damaged.read_bytes() == garbage  # nothing overwritten


def test_a_step_hitting_a_full_disk_is_recorded_failed_and_ends_the_run(tmp_path):
    tracker = MemoryTracker()
    tracker.create_ticket("Orders")
    ledger = Ledger(tmp_path / "state.db")

    def start(_context: StepContext) -> StepOutcome:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "models/x.sql"))

    engine = Engine(ledger, tracker, {"start": start}, lambda _s: None)
    with pytest.raises(StorageError, match=r"no space left on the disk holding .*models/x\.sql"):
        engine.run("DEMO-1")

    record = ledger.step("DEMO-1", "start")
    assert record.state is StepState.FAILED and "no space left" in record.detail
    assert ledger.outbox("DEMO-1") == []  # a local fault is not news for the ticket
