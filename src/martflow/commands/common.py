"""What every command shares: the CLI state, --json, output policy."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from martflow.commands.state import CliState
from martflow.core.safe_text import visible

F = TypeVar("F", bound=Callable[..., Any])

pass_state = click.make_pass_decorator(CliState, ensure=True)


def json_option(func: F) -> F:
    """``--json`` on a subcommand (the same as the global flag)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(CliState).json = True

    return click.option(
        "--json",
        "json_flag",
        is_flag=True,
        expose_value=False,
        callback=callback,
        help="Print one JSON document on stdout.",
    )(func)


def output(state: CliState, data: Any, human: str | Callable[[], str]) -> None:
    """Print ``data`` as JSON with --json, else the human rendering."""
    if state.json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    text = human() if callable(human) else human
    if text:
        # Ticket text, details and diffs: control, bidi and zero-width characters escaped.
        click.echo(visible(text, keep_newlines=True, keep_tabs=True))


def closing(func: F) -> F:
    """Stop the dbt worker when the command ends."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        finally:
            state = click.get_current_context().find_object(CliState)
            if state is not None:
                state.close()

    # mypy: functools.wraps keeps the command's signature
    return wrapper  # type: ignore[return-value]


def martflow_command() -> str:
    """How a shell runs this martflow: ``martflow`` when PATH finds it, else its full path."""
    import shlex
    import shutil
    import sys
    import sysconfig
    from pathlib import Path

    own = Path(sysconfig.get_path("scripts")) / "martflow"
    found = shutil.which("martflow")
    if found and own.exists() and Path(found).resolve() == own.resolve():
        return "martflow"
    if own.exists():
        return shlex.quote(str(own))
    return f"{shlex.quote(sys.executable)} -m martflow"
