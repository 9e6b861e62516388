"""`init`, `demo`, `doctor`: creating and checking analytics repos."""

from __future__ import annotations

from pathlib import Path

import click

from martflow.commands.common import CliState, closing, json_option, output, pass_state
from martflow.errors import ExitCode


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--project-name", default=None, help="dbt project name (default: from DIR).")
@click.option("--tracker-project", default="DEMO", show_default=True, help="Ticket key prefix.")
@json_option
@pass_state
def init(state: CliState, directory: Path, project_name: str | None, tracker_project: str) -> None:
    """Create a new analytics repo: dbt project, config.toml, .sqlfluff, CI, git."""
    from martflow.project_scaffold.init import init_repo

    root = init_repo(directory, project_name=project_name, tracker_project=tracker_project)
    output(state, {"path": str(root)}, f"created {root}\nnext: cd {directory} && martflow doctor")


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
    type=click.Choice(["duckdb", "postgres"]),
    default="duckdb",
    show_default=True,
    help="duckdb: a file in the repo; postgres: the server PGHOST, PGPORT, PGUSER, "
    "PGPASSWORD and PGDATABASE name.",
)
@json_option
@pass_state
@closing
def demo(state: CliState, directory: Path, rows: int, seed: int, warehouse: str) -> None:
    """Build a sample repo with synthetic data and tickets, and run DEMO-1 end to end."""
    from martflow.commands.demo_runner import run_demo

    raise SystemExit(int(run_demo(state, directory, rows, seed, warehouse)))


@click.command("doctor")
@json_option
@pass_state
@closing
def doctor(state: CliState) -> None:
    """Check config, credentials, tracker, warehouse, Tableau and git."""
    from martflow.commands.checks import Check, run_checks

    results = run_checks(state.context())
    data = [
        {"check": c.name, "ok": c.ok, "detail": c.detail, "warning": c.warning} for c in results
    ]

    def mark(check: Check) -> str:
        return "WARN" if check.warning else "ok  " if check.ok else "FAIL"

    output(state, data, lambda: "\n".join(f"{mark(c)}  {c.name}: {c.detail}" for c in results))
    if not all(c.ok for c in results):
        raise SystemExit(int(ExitCode.PROBLEMS))


COMMANDS = [init, demo, doctor]
