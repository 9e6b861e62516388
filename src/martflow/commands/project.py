"""`init`, `demo`, `doctor`: creating and checking analytics repos."""

from __future__ import annotations

from pathlib import Path

import click

from martflow.commands.common import (
    CliState,
    closing,
    json_option,
    martflow_command,
    output,
    pass_state,
)
from martflow.errors import ExitCode


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--project-name", default=None, help="dbt project name (default: from DIR).")
@click.option("--tracker-project", default="DEMO", show_default=True, help="Ticket key prefix.")
@click.option(
    "--existing",
    is_flag=True,
    help="Adopt the existing git repo and dbt project in DIR (changes no model).",
)
@click.option(
    "--project-dir",
    default=None,
    help="With --existing: the dbt project folder, when the repo has several.",
)
@click.option("--dry-run", is_flag=True, help="With --existing: show the plan, write nothing.")
@click.option("--ci/--no-ci", default=True, help="With --existing: add a CI lint workflow if none.")
@click.option(
    "--pre-commit/--no-pre-commit",
    default=True,
    help="With --existing: add a pre-commit hook if the repo has no pre-commit config.",
)
@json_option
@pass_state
def init(
    state: CliState,
    directory: Path,
    project_name: str | None,
    tracker_project: str,
    existing: bool,
    project_dir: str | None,
    dry_run: bool,
    ci: bool,
    pre_commit: bool,
) -> None:
    """Create a new analytics repo, or adopt an existing one with --existing."""
    from martflow.errors import UsageError

    if existing:
        _adopt(state, directory, tracker_project, project_dir, dry_run, ci, pre_commit)
        return
    if project_dir or dry_run:
        raise UsageError(f"{'--project-dir' if project_dir else '--dry-run'} goes with --existing")
    from martflow.context import template_renderer
    from martflow.project_scaffold.init import init_repo

    root = init_repo(
        directory,
        project_name=project_name,
        tracker_project=tracker_project,
        renderer=template_renderer(),
    )
    hint = f"next: cd {directory} && {martflow_command()} doctor"
    output(state, {"path": str(root)}, f"created {root}\n{hint}")


def _adopt(
    state: CliState,
    directory: Path,
    tracker_project: str,
    project_dir: str | None,
    dry_run: bool,
    ci: bool,
    pre_commit: bool,
) -> None:
    from martflow.project_scaffold.adopt import apply_adoption, plan_adoption

    adoption = plan_adoption(
        directory,
        project_dir=project_dir,
        tracker_project=tracker_project,
        ci=ci,
        pre_commit=pre_commit,
    )
    written = [] if dry_run else apply_adoption(adoption)
    data = {**adoption.to_json(), "dry_run": dry_run, "written": written}

    def human() -> str:
        verb = "would adopt" if dry_run else "adopted"
        lines = [f"{verb} {adoption.root}", *(f"  {line}" for line in adoption.found), ""]
        for step in adoption.steps:
            action = (
                f"would {step.action}" if dry_run and step.action != "left alone" else step.action
            )
            lines.append(f"{action:<16} {step.path}: {step.detail}")
        lines.append("no model, source or seed was changed")
        if written:
            lines.append(
                f"next: git add {' '.join(written)} && git commit -m 'Adopt martflow' "
                f"&& {martflow_command()} doctor"
            )
        return "\n".join(lines)

    output(state, data, human)


@click.command("demo")
@click.argument(
    "directory", type=click.Path(path_type=Path, file_okay=False), default="martflow-demo"
)
@click.option(
    "--rows",
    type=click.IntRange(min=10),
    default=20_000,
    show_default=True,
    help="Orders in the synthetic warehouse.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Synthetic data seed.")
@click.option(
    "--warehouse",
    type=click.Choice(["duckdb", "postgres", "spark"]),
    default="duckdb",
    show_default=True,
    help="duckdb: a file in the repo; postgres: the server PGHOST, PGPORT, PGUSER, "
    "PGPASSWORD and PGDATABASE name; spark: Spark in local mode (martflow[spark], Java 17).",
)
@click.option(
    "--el",
    type=click.Choice(["fivetran", "stitch", "airbyte"]),
    default=None,
    help="Land the raw tables as this EL tool does: its bookkeeping columns and "
    "soft-deleted rows (a new warehouse only).",
)
@json_option
@pass_state
@closing
def demo(
    state: CliState, directory: Path, rows: int, seed: int, warehouse: str, el: str | None
) -> None:
    """Build a sample repo with synthetic data and tickets, and run DEMO-1 end to end."""
    from martflow.commands.demo_runner import run_demo

    raise SystemExit(int(run_demo(state, directory, rows, seed, warehouse, el or "")))


@click.command("doctor")
@json_option
@pass_state
@closing
def doctor(state: CliState) -> None:
    """Check config, credentials, tracker, warehouse, Tableau and git."""
    from martflow.services.doctor import Check, run_checks

    results = run_checks(state.context(), state.extra_checks)
    data = [
        {
            "check": c.name,
            "ok": c.ok,
            "detail": c.detail,
            "warning": c.warning,
            "skipped": c.skipped,
        }
        for c in results
    ]

    def mark(check: Check) -> str:
        if check.skipped:
            return "SKIP"
        return "WARN" if check.warning else "ok  " if check.ok else "FAIL"

    output(state, data, lambda: "\n".join(f"{mark(c)}  {c.name}: {c.detail}" for c in results))
    if any(c.failed for c in results):
        raise SystemExit(int(ExitCode.PROBLEMS))


COMMANDS = [init, demo, doctor]
