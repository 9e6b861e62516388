"""`martflow lint`: sqlfluff over models: all, some paths, a ticket's, or those a branch changed."""

from __future__ import annotations

import re
from pathlib import Path

import click

from martflow.commands.common import CliState, pass_state
from martflow.errors import ExitCode

FORMATS = ["human", "json", "github", "junit", "sarif"]
_TICKET_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-[0-9]+")


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", is_flag=True, help="Only models changed against the base.")
@click.option(
    "--base",
    default=None,
    help="Base ref for --changed (default: $GITHUB_BASE_REF or "
    "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME, then [git] default_branch, then origin/HEAD).",
)
@click.option(
    "--changed-lines",
    is_flag=True,
    help="With --changed: report only findings on lines changed against the base.",
)
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
    changed_lines: bool,
    fix: bool,
    fmt: str | None,
    json_flag: bool,
) -> None:
    """Lint models with sqlfluff (exit 1 on violations, 2 on a usage or config problem).

    PATH... are files or folders; a single ticket KEY (e.g. DEMO-1) lints the files the
    pipeline wrote for that ticket.
    """
    if changed:  # a pre-commit hook's lint: sqlfluff loads while the config and git answer
        from martflow.background_import import SQLFLUFF, SQLFLUFF_SKIPS, start_import

        start_import(SQLFLUFF, skip=SQLFLUFF_SKIPS)
    from martflow.core.lint_format import fixed_file_lines, render
    from martflow.errors import UsageError

    if (base or changed_lines) and not changed:
        raise UsageError(f"{'--base' if base else '--changed-lines'} goes with --changed")
    if changed and paths:
        raise UsageError("give PATHs, a ticket KEY or --changed, not more than one")
    if changed_lines and fix:
        raise UsageError("--fix rewrites whole files; it does not go with --changed-lines")
    context = state.context()
    linter = context.linter()
    if changed:
        git = context.config.git
        # mypy: the sqlfluff adapter's method; not on the Linter port
        report = linter.lint_changed(  # type: ignore[attr-defined]
            base,
            fix=fix,
            lines_only=changed_lines,
            default_branch=git.default_branch,
            remote=git.remote,
        )
    else:
        report = linter.lint(_targets(state, paths), fix=fix)
    fmt = fmt or ("json" if (json_flag or state.json) else "human")
    click.echo(render(report, fmt))
    if report.changed and fmt not in ("human", "json"):
        # Machine formats keep stdout to themselves: which files a fix rewrote goes to stderr.
        click.echo("\n".join(fixed_file_lines(report)), err=True)
    if report.violations:
        raise SystemExit(int(ExitCode.PROBLEMS))


def _targets(state: CliState, paths: tuple[Path, ...]) -> list[Path]:
    """The files to lint: the paths given, a ticket's files, or the models folder."""
    context = state.context()
    if len(paths) == 1 and _TICKET_KEY.fullmatch(str(paths[0])) and not paths[0].exists():
        from martflow.services.lint_fix import ticket_models

        return ticket_models(context, str(paths[0]))
    return [p.resolve() for p in paths] or [context.project.models_dir]


COMMANDS = [lint]
