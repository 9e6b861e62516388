"""What every bench shares: timing, interleaved runs against the peer, medians, the table.

Each bench measures martflow and its peer in the same run, alternating them run by run so
a noisy machine slows both alike, and reports the median of each. The ratio is martflow's
time over the peer's; the aim is the largest ratio the issue accepts (``<= 0.25x`` means
martflow must be at least 4x faster).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
"""The venv's bin folder: martflow, sqlfluff and dbt as installed with the project."""


@dataclass(frozen=True)
class Figure:
    """One line of the table: martflow's median next to its peer's, and the aim."""

    what: str
    martflow: float | None
    peer_name: str
    peer: float | None
    aim: float | None
    """The largest acceptable ratio martflow/peer; None: no aim (context only)."""
    runs: int
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.martflow is None or not self.peer:
            return None
        return self.martflow / self.peer

    @property
    def met(self) -> str:
        if self.aim is None or self.ratio is None:
            return ""
        return "yes" if self.ratio <= self.aim else "NO"


def bench_args(description: str | None, **extra: tuple[type, object]) -> argparse.Namespace:
    """``--runs`` (at least 5), ``--json PATH`` for `make bench`, and the bench's own flags."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    for name, (kind, default) in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5 (figures are medians of at least 5 runs)")
    compile_martflow()
    return args


def compile_martflow() -> None:
    """Write the bytecode of martflow's modules before anything is timed.

    pip compiles what it installs (the peers, and martflow from a wheel), but an editable
    install compiles on first import, and not at all under PYTHONDONTWRITEBYTECODE (set on
    some machines and CI runners): every timed start would then compile martflow's
    sources, a cost no installed user pays and no peer is charged.
    """
    import compileall

    import martflow

    package = Path(martflow.__file__).parent
    # templates/ holds cookiecutter sources, not modules
    compileall.compile_dir(package, quiet=2, rx=re.compile(r"[/\\]templates[/\\]"))


def wall(
    command: Sequence[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    ok: Sequence[int] = (0,),
) -> float:
    """Seconds one process takes from start to exit, interpreter start included."""
    start = time.perf_counter()
    done = subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(
            f"bench: {' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return elapsed


def paired(
    martflow: Callable[[], float], peer: Callable[[], float], runs: int, warmup: int = 1
) -> tuple[float, float]:
    """Medians of ``runs`` alternating runs of each; ``warmup`` runs of each are discarded
    (they fill the OS file cache for both sides alike)."""
    for _ in range(warmup):
        martflow()
        peer()
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(martflow())
        theirs.append(peer())
    return statistics.median(ours), statistics.median(theirs)


def machine() -> str:
    """One line naming the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.1f} at start"
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _ratio(figure: Figure) -> str:
    ratio = figure.ratio
    if ratio is None:
        return "-"
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.3f}x"


def _aim(aim: float | None) -> str:
    if aim is None:
        return "-"
    if aim < 1:
        return f"<= {aim:g}x ({1 / aim:.2g}x faster)"
    return f"<= {aim:g}x"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table (what the README quotes)."""
    head = ["what", "martflow", "peer", "peer figure", "ratio", "aim", "met", "runs"]
    notes = [f.note for f in figures if f.note]
    rows = [
        [
            f.what + (f" [{notes.index(f.note) + 1}]" if f.note else ""),
            _seconds(f.martflow),
            f.peer_name,
            _seconds(f.peer),
            _ratio(f),
            _aim(f.aim),
            f.met,
            str(f.runs),
        ]
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    footnotes = [f"[{number}] {note}" for number, note in enumerate(notes, 1)]
    return "\n".join([line(head), rule, *(line(r) for r in rows), "", *footnotes]).rstrip()


def report(figures: Sequence[Figure], json_path: Path | None) -> None:
    """Print the table (medians, ratio, aim); write the figures as JSON for `make bench`."""
    print(table(figures))
    if json_path is not None:
        json_path.write_text(json.dumps([asdict(f) for f in figures], indent=2))


def load(json_path: Path) -> list[Figure]:
    return [Figure(**row) for row in json.loads(json_path.read_text())]
