"""The TUI's first frame (the ticket list drawn) vs a one-label Textual app, under tmux.

Usage: .venv/bin/python bench/tui_bench.py [--runs N] [--json PATH]

Each run opens a new tmux window (120x36) running the program and polls the pane until
the text that marks the first frame is on screen: a ticket's summary for martflow (the
list loaded from the local tracker), the label for the peer. The time is from asking
tmux for the window to seeing that text, so tmux's own cost is on both sides.

Needs tmux (Debian: `apt-get install -y tmux`; the bench installs it when it runs as root
and tmux is missing, and says so).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import BIN, Figure, bench_args, paired, report

ONE_LABEL_APP = """
from textual.app import App
from textual.widgets import Label


class OneLabel(App):
    def compose(self):
        yield Label("one label app ready")


OneLabel().run()
"""

MARKER = "Bench ticket number 3"
AIM = 1.3
"""Issue 16: the first frame within 1.3x of Textual's own."""


def ensure_tmux() -> str:
    """tmux's path; installs Debian's package when missing and allowed to."""
    found = shutil.which("tmux")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("tui_bench: tmux is missing; installing Debian's tmux package", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "tmux"], check=True, capture_output=True)
        found = shutil.which("tmux")
    if not found:
        raise SystemExit("tui_bench: needs tmux (apt-get install -y tmux)")
    return found


class Tmux:
    """A private tmux server (its own socket) with one fixed-size session."""

    def __init__(self, tmux: str, socket: str) -> None:
        self.base = [tmux, "-L", socket, "-f", "/dev/null"]
        self.run("new-session", "-d", "-s", "bench", "-x", "120", "-y", "36")

    def run(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, check=True)
        return done.stdout

    def first_frame(self, command: str, cwd: Path, marker: str, timeout: float = 60) -> float:
        """Seconds from opening a window running ``command`` to ``marker`` on its screen."""
        start = time.perf_counter()
        pane = self.run(
            "new-window", "-d", "-P", "-F", "#{pane_id}", "-c", str(cwd), command
        ).strip()
        try:
            while time.perf_counter() - start < timeout:
                if marker in self.run("capture-pane", "-p", "-t", pane):
                    return time.perf_counter() - start
                time.sleep(0.003)
            raise SystemExit(f"tui_bench: {command!r} showed no {marker!r} in {timeout} s")
        finally:
            self.run("kill-pane", "-t", pane)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def make_project(root: Path) -> None:
    """A martflow project on the local tracker with a few tickets."""
    (root / "config.toml").write_text('[tracker]\nkind = "local"\nproject = "BENCH"\n')
    for number in range(1, 6):
        subprocess.run(
            [
                str(BIN / "martflow"),
                "tickets",
                "create",
                "--summary",
                f"Bench ticket number {number}",
            ],
            cwd=root,
            check=True,
            capture_output=True,
        )


def measure(runs: int) -> list[Figure]:
    tmux = Tmux(ensure_tmux(), f"martflow-bench-{os.getpid()}")
    try:
        with tempfile.TemporaryDirectory(prefix="martflow-tui-bench-") as tmp:
            root = Path(tmp)
            make_project(root)
            (root / "label_app.py").write_text(ONE_LABEL_APP)
            martflow = f"{BIN / 'martflow'} --config {root / 'config.toml'}"
            peer = f"{BIN / 'python'} {root / 'label_app.py'}"
            ours, theirs = paired(
                lambda: tmux.first_frame(martflow, root, MARKER),
                lambda: tmux.first_frame(peer, root, "one label app ready"),
                runs,
            )
    finally:
        tmux.close()
    return [
        Figure(
            "TUI first frame: ticket list drawn (tmux)",
            ours,
            "one-label Textual app",
            theirs,
            AIM,
            runs,
        )
    ]


def main() -> None:
    args = bench_args(__doc__)
    report(measure(args.runs), args.json)


if __name__ == "__main__":
    main()
