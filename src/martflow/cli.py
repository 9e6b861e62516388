"""The root click group: subcommands for scripts; no subcommand on a terminal opens the TUI.

Subcommands load on use: `--help`, `--version` and shell completion read the command table
below and import nothing else of martflow (no config, engine, logging setup or Textual):
what a running command needs is imported where it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

from martflow import __version__
from martflow.commands.state import CliState, is_tty

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from martflow.services.ports import HasProject

COMMANDS: dict[str, tuple[str, str]] = {
    "build": (
        "martflow.commands.pipeline:build",
        "dbt build of the ticket's models and their tests.",
    ),
    "commit": (
        "martflow.commands.pipeline:commit",
        "Commit exactly the files the pipeline wrote for the ticket.",
    ),
    "demo": (
        "martflow.commands.project:demo",
        "Build a sample repo with synthetic data and tickets, and run DEMO-1 end to end.",
    ),
    "document": (
        "martflow.commands.pipeline:document",
        "Write the mart's data dictionary (docs/data-dictionary/); publish it to Confluence.",
    ),
    "doctor": (
        "martflow.commands.project:doctor",
        "Check config, credentials, tracker, warehouse, Tableau and git.",
    ),
    "init": (
        "martflow.commands.project:init",
        "Create a new analytics repo, or adopt an existing one with --existing.",
    ),
    "lint": (
        "martflow.commands.lint:lint",
        "Lint models with sqlfluff (exit 1 on violations, 2 on a usage or config problem).",
    ),
    "publish": (
        "martflow.commands.pipeline:publish",
        "Publish the ticket's mart as a Tableau workbook.",
    ),
    "run": (
        "martflow.commands.pipeline:run",
        "Run every unfinished step of the ticket; resumes where it stopped.",
    ),
    "scaffold": (
        "martflow.commands.pipeline:scaffold",
        "Write the ticket's staging, intermediate and mart models.",
    ),
    "show": (
        "martflow.commands.tickets:show",
        "Show a ticket, its parsed spec and its pipeline state.",
    ),
    "start": (
        "martflow.commands.pipeline:start",
        "Create or check out the ticket's branch; move it In Progress.",
    ),
    "status": ("martflow.commands.pipeline:status", "Pipeline state and queued tracker updates."),
    "sync": ("martflow.commands.pipeline:sync", "Deliver queued tracker updates."),
    "tickets": ("martflow.commands.tickets:tickets", "List tickets."),
}
"""Command name -> (module:attribute, the first paragraph of its help; a test keeps them equal)."""


class LazyGroup(click.Group):
    """A group whose table names its commands; a command's module is imported on use."""

    lazy_commands: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module_name, _, attribute = self.lazy_commands[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module_name), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def command_summary(self, name: str, limit: int) -> str:
        """A command's one-line help, from the table when it is not loaded yet."""
        if name in self.commands or name not in self.lazy_commands:
            command = self.commands.get(name)
            return command.get_short_help_str(limit) if command else ""
        return click.Command(name, help=self.lazy_commands[name][1]).get_short_help_str(limit)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self.command_summary(name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        # Option completion from click; command names and their help from the table.
        from click.shell_completion import CompletionItem

        items = [
            item
            for item in click.Command.shell_complete(self, ctx, incomplete)
            if item.value not in self.lazy_commands
        ]
        items += [
            CompletionItem(name, help=self.command_summary(name, 45))
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        return items


class MartflowGroup(LazyGroup):
    """Turns MartflowError into one line on stderr and its exit code."""

    lazy_commands = COMMANDS

    def invoke(self, ctx: click.Context) -> Any:
        # Only a command that runs gets here (not --help, --version or completion).
        from martflow.core.safe_text import visible
        from martflow.core.storage import os_fault
        from martflow.errors import MartflowError
        from martflow.secrets import SECRETS

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
    type=click.Path(dir_okay=False),
    envvar=None,
    help="config.toml to use (default: $MARTFLOW_CONFIG, then the nearest config.toml).",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Show progress detail and debug logs.")
@click.version_option(__version__, prog_name="martflow")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, json_output: bool, verbose: bool) -> None:
    """martflow walks an analytics ticket from the tracker to a published dashboard.

    With no command on a terminal, it opens the terminal UI.
    """
    from pathlib import Path

    from martflow.errors import ExitCode
    from martflow.secrets import configure_logging

    configure_logging(verbose)
    state = ctx.ensure_object(CliState)
    state.config_path = Path(config_path) if config_path else None
    state.json, state.verbose = json_output, verbose
    state.extra_checks = [("keys", _keys_check)]
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


def _keys_check(context: HasProject) -> str:
    """doctor's `[keys]` line: the remaps checked against the TUI's own binding table."""
    from martflow.errors import ConfigError
    from martflow.tui.keys import keymap

    configured = context.project.config.keys.model_extra or {}
    remaps = keymap(configured)
    if remaps.problems:
        raise ConfigError("; ".join(remaps.problems))
    if not remaps.keys:
        return "no remaps: the TUI's own keys (see docs/tui.md)"
    return "remapped " + ", ".join(f"{binding} = {key!r}" for binding, key in remaps.keys.items())


def main() -> None:
    """Console entry point."""
    cli(prog_name="martflow")
