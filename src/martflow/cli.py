"""The root click group: subcommands for scripts; no subcommand on a terminal opens the TUI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from martflow import __version__
from martflow.commands.common import CliState, is_tty
from martflow.core.safe_text import visible
from martflow.core.storage import os_fault
from martflow.errors import ExitCode, MartflowError
from martflow.secrets import SECRETS, configure_logging


class MartflowGroup(click.Group):
    """Turns MartflowError into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MartflowError as exc:
            message = visible(SECRETS.redact(exc.message))
            click.echo(f"martflow: {message}", err=True)
            ctx.exit(int(exc.exit_code))
        except OSError as exc:
            fault = os_fault(exc)  # a full disk or a read-only folder: say so, no traceback
            if fault is None:
                raise
            click.echo(f"martflow: {visible(fault.message)}", err=True)
            ctx.exit(int(fault.exit_code))
        except KeyboardInterrupt:
            click.echo("martflow: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=MartflowGroup, invoke_without_command=True)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar=None,
    help="config.toml to use (default: $MARTFLOW_CONFIG, then the nearest config.toml).",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Show progress detail and debug logs.")
@click.version_option(__version__, prog_name="martflow")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, json_output: bool, verbose: bool) -> None:
    """martflow walks an analytics ticket from the tracker to a published dashboard.

    With no command on a terminal, it opens the terminal UI.
    """
    configure_logging(verbose)
    state = ctx.ensure_object(CliState)
    state.config_path, state.json, state.verbose = config_path, json_output, verbose
    if ctx.invoked_subcommand is None:
        if is_tty():
            ctx.exit(_open_tui(state))
        click.echo(ctx.get_help())
        ctx.exit(int(ExitCode.OK))


@cli.command("tui")
@click.pass_obj
def tui_command(state: CliState) -> None:
    """Open the terminal UI on the configured project."""
    raise SystemExit(_open_tui(state))


def _open_tui(state: CliState) -> int:
    # Textual loads only when the TUI opens, so `--help` and scripts start fast.
    from martflow.tui.app import MartflowApp

    app = MartflowApp(state.context())
    try:
        app.run()
    finally:
        state.close()
    return app.return_code or 0


def _register() -> None:
    from martflow.commands import lint, pipeline, project, tickets

    for module in (project, tickets, pipeline, lint):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console entry point."""
    cli(prog_name="martflow")
