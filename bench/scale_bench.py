"""A 2,000-model project (bench/large_project.py) against what it is compared with, same run.

Usage: .venv/bin/python bench/scale_bench.py [--runs N] [--sources 200] [--models 2000]
       [--json PATH]

Issue 15's figures, each next to its peer:
- TUI first frame (ticket list drawn) in the 2,000-model project vs in the demo repo
  (`martflow demo`'s repo, same tickets): within 10%
- TUI ticket screen (Enter on a ticket until its description shows), the same pair
- a ticket's `build` (a mart, its intermediate and staging models, their tests) in the warm
  dbt worker vs a fresh `dbt build --select` process of the same models: 4x faster
- `lint --changed` on a branch that changed 5 models vs `sqlfluff lint` of those 5 files,
  fresh processes, cold cache: within 10%

The TUI runs under tmux (see tui_bench.py); the two projects alternate run by run.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from build_bench import fresh_runs, warm_runs
from harness import BIN, Figure, bench_args, paired, report, wall
from large_project import LargeProject, file_tickets, generate, git
from lint_bench import LINT_EXIT
from tui_bench import Tmux, ensure_tmux

from martflow.context import template_renderer

TICKETS = [(f"Scale ticket number {n}", f"Scale ticket body {n}: lifetime value.") for n in (1, 2)]
LISTED = TICKETS[-1][0]
"""On screen once the ticket list is drawn."""
OPENED = "Scale ticket body"
"""On screen once a ticket's screen shows its description."""
CHANGED = 5


def demo_repo(root: Path) -> Path:
    """The demo's repo (DuckDB, the synthetic shop), with TICKETS filed and nothing run."""
    from martflow.project_scaffold.demo import prepare_repo

    repo, _created = prepare_repo(root, rows=1000, seed=42, renderer=template_renderer())
    file_tickets(repo, TICKETS)
    return repo


def ticket_screen(tmux: Tmux, command: str, cwd: Path, timeout: float = 60) -> float:
    """Seconds from Enter on the ticket list to the ticket's description on screen."""
    start = time.perf_counter()
    pane = tmux.run("new-window", "-d", "-P", "-F", "#{pane_id}", "-c", str(cwd), command)
    pane = pane.strip()
    try:
        _wait(tmux, pane, LISTED, start, timeout)
        pressed = time.perf_counter()
        tmux.run("send-keys", "-t", pane, "Enter")
        _wait(tmux, pane, OPENED, pressed, timeout)
        return time.perf_counter() - pressed
    finally:
        tmux.run("kill-pane", "-t", pane)


def _wait(tmux: Tmux, pane: str, marker: str, start: float, timeout: float) -> None:
    while time.perf_counter() - start < timeout:
        if marker in tmux.run("capture-pane", "-p", "-t", pane):
            return
        time.sleep(0.003)
    raise SystemExit(f"scale_bench: {marker!r} not on screen in {timeout} s")


def tui_figures(large: Path, demo: Path, runs: int) -> list[Figure]:
    tmux = Tmux(ensure_tmux(), f"martflow-scale-{time.time_ns()}")
    ours, theirs = (f"{BIN / 'martflow'} --config {root / 'config.toml'}" for root in (large, demo))
    try:
        first = paired(
            lambda: tmux.first_frame(ours, large, LISTED),
            lambda: tmux.first_frame(theirs, demo, LISTED),
            runs,
        )
        screen = paired(
            lambda: ticket_screen(tmux, ours, large),
            lambda: ticket_screen(tmux, theirs, demo),
            runs,
        )
    finally:
        tmux.close()
    where = f"{_count(large)}-model project"
    return [
        Figure(f"TUI first frame, {where}", first[0], "the demo repo", first[1], 1.1, runs),
        Figure(f"TUI ticket screen, {where}", screen[0], "the demo repo", screen[1], 1.1, runs),
    ]


def _count(root: Path) -> str:
    return f"{sum(1 for _ in (root / 'models').rglob('*.sql')):,}"


def build_figure(project: LargeProject, runs: int) -> Figure:
    import build_bench

    build_bench.SELECT = f"+{project.ticket_mart}"  # build_bench's runs select its SELECT
    fresh = fresh_runs(project.root, runs)
    warm = warm_runs(project.root, runs)
    return Figure(
        f"`build` of a ticket's 4 models (+tests), {project.models:,}-model project",
        warm,
        "fresh `dbt build --select` process",
        fresh,
        0.25,
        runs,
    )


def lint_figure(project: LargeProject, runs: int) -> Figure:
    root = project.root
    git(root, "checkout", "-q", "-b", "feature")
    models = sorted((root / "models" / "marts").rglob("*.sql"))
    changed = [str(p.relative_to(root)) for p in models[:: len(models) // CHANGED][:CHANGED]]
    for name in changed:
        path = root / name
        path.write_text(path.read_text().replace("group by", "where amount > 0\ngroup by"))
    git(root, "commit", "-q", "-am", f"filter {CHANGED} marts")
    cache = root / ".martflow" / "lint-cache"

    def ours() -> float:
        shutil.rmtree(cache, ignore_errors=True)
        return wall([str(BIN / "martflow"), "lint", "--changed", "--format", "json"], root,
                    ok=LINT_EXIT)  # fmt: skip

    def theirs() -> float:
        return wall([str(BIN / "sqlfluff"), "lint", *changed, "--format", "json"], root,
                    ok=LINT_EXIT)  # fmt: skip

    median_ours, median_theirs = paired(ours, theirs, runs)
    git(root, "checkout", "-q", "main")
    return Figure(
        f"`lint --changed`, {CHANGED} models of {project.models:,}, cold cache",
        median_ours,
        f"sqlfluff lint of the {CHANGED} files",
        median_theirs,
        1.1,
        runs,
    )


def measure(runs: int, sources: int, models: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="martflow-scale-bench-") as tmp:
        started = time.perf_counter()
        project = generate(Path(tmp) / "large", sources, models, TICKETS)
        print(f"generated {models:,} models in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)  # fmt: skip
        demo = demo_repo(Path(tmp) / "demo")
        figures = tui_figures(project.root, demo, runs)
        figures.append(lint_figure(project, runs))
        figures.append(build_figure(project, runs))
    return figures


def main() -> None:
    args = bench_args(__doc__, sources=(int, 200), models=(int, 2000))
    report(measure(args.runs, args.sources, args.models), args.json)


if __name__ == "__main__":
    main()
