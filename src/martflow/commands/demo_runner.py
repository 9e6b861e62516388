"""`martflow demo`: set up the demo repo, file its tickets, run DEMO-1 end to end, summarize."""

from __future__ import annotations

import time
from pathlib import Path

import click

from martflow.commands.common import CliState, martflow_command, output
from martflow.commands.render import status_document, status_text
from martflow.context import AppContext, template_renderer
from martflow.core.models import StepState
from martflow.errors import ExitCode

DEMO_KEY = "DEMO-1"


def run_demo(
    state: CliState,
    directory: Path,
    rows: int,
    seed: int,
    warehouse: str = "duckdb",
    el: str = "",
) -> ExitCode:
    """Everything `martflow demo` does; returns the exit code."""
    from martflow.project_scaffold.demo import DEMO_TICKETS, prepare_repo

    started = time.monotonic()
    root, created = prepare_repo(
        directory, rows, seed, warehouse, el=el, renderer=template_renderer()
    )
    click.echo(f"{'created' if created else 'reusing'} demo repo {root}", err=True)
    context = AppContext.load(root / "config.toml", on_event=state.render_event)
    state.use(context)
    tracker = context.tracker
    if not tracker.list_tickets():
        for ticket in DEMO_TICKETS:
            tracker.create_ticket(ticket.summary, ticket.description)
    report = context.engine().run(DEMO_KEY)
    elapsed = time.monotonic() - started
    document = status_document(DEMO_KEY, report.steps, report.outbox)
    demo_ticket = tracker.get_ticket(DEMO_KEY)
    document.update(
        {
            "path": str(root),
            "status": demo_ticket.status,
            "comments": len(demo_ticket.comments),
            "seconds": round(elapsed, 1),
        }
    )
    output(state, document, lambda: _summary(root, demo_ticket.status, document, elapsed))
    if report.failed:
        return ExitCode.PROBLEMS
    return ExitCode.QUEUED if report.queued else ExitCode.OK


def _summary(root: Path, status: str, document: dict[str, object], elapsed: float) -> str:
    listed = document["steps"]
    steps = {s["name"]: s for s in listed} if isinstance(listed, list) else {}
    lines = [
        "",
        f"martflow demo: {DEMO_KEY} is {status} ({elapsed:.0f} s)",
        status_text(document),
        "",
        f"  repo:      {root}",
    ]
    start, commit = steps.get("start", {}), steps.get("commit", {})
    if start.get("state") == StepState.SUCCEEDED.value:
        lines.append(f"  branch:    {start.get('detail', '').removeprefix('on branch ')}")
    if commit.get("state") == StepState.SUCCEEDED.value:
        lines.append(f"  commit:    {commit.get('detail')}")
    publish = steps.get("publish", {})
    if publish.get("state") == StepState.SUCCEEDED.value:
        lines.append(f"  dashboard: {publish.get('detail', '').removeprefix('published to ')}")
    martflow = martflow_command()  # the venv's full path when it is not activated
    lines += [
        f"  comments:  {martflow} --config {root / 'config.toml'} show {DEMO_KEY}",
        f"  TUI:       cd {root} && {martflow}",
    ]
    return "\n".join(lines)
