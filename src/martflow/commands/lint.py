"""`martflow lint`: sqlfluff over models, all of them or only those a branch changed."""

from __future__ import annotations

from pathlib import Path

import click

from martflow.commands.common import CliState, pass_state
from martflow.errors import ExitCode

FORMATS = ["human", "json", "github", "junit", "sarif"]


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", is_flag=True, help="Only models changed against the base.")
@click.option("--base", default=None, help="Base ref for --changed (default: merge base).")
@click.option("--fix", is_flag=True, help="Apply sqlfluff's fixes.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default human; json with --json).",
)
@click.option("--json", "json_flag", is_flag=True, help="Same as --format json.")
@pass_state
def lint(
    state: CliState,
    paths: tuple[Path, ...],
    changed: bool,
    base: str | None,
    fix: bool,
    fmt: str | None,
    json_flag: bool,
) -> None:
    """Lint models with sqlfluff (exit 1 on violations)."""
    from martflow.core.lint_format import render
    from martflow.errors import UsageError

    if base and not changed:
        raise UsageError("--base goes with --changed")
    if changed and paths:
        raise UsageError("give PATHs or --changed, not both")
    context = state.context()
    linter = context.linter()
    if changed:
        report = linter.lint_changed(base, fix=fix)  # type: ignore[attr-defined]
    else:
        targets = [p.resolve() for p in paths] or [context.project.models_dir]
        report = linter.lint(targets, fix=fix)
    fmt = fmt or ("json" if (json_flag or state.json) else "human")
    click.echo(render(report, fmt))
    if report.violations:
        raise SystemExit(int(ExitCode.PROBLEMS))


COMMANDS = [lint]
