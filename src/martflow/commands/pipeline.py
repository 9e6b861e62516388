"""Pipeline commands: start, scaffold, build, document, commit, publish, run, status, sync."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from martflow.commands.common import CliState, closing, json_option, output, pass_state
from martflow.commands.render import status_document, status_text
from martflow.config import DOTENV_WARNING
from martflow.core.models import STEP_NAMES
from martflow.core.workflow.engine import RunReport
from martflow.errors import ExitCode
from martflow.services.outbox import sync_all
from martflow.services.scaffold_preview import scaffold_plan
from martflow.services.tickets import canonical_key, ticket_and_spec

F = TypeVar("F", bound=Callable[..., object])
FORCE_HELP = "Run even if the steps before this one have not succeeded (noted in its detail)."


def _exit_code(report: RunReport) -> ExitCode:
    if report.failed or report.delivery.failed:
        return ExitCode.PROBLEMS
    if report.queued:
        return ExitCode.QUEUED
    return ExitCode.OK


def _run(state: CliState, key: str, **kwargs: object) -> None:
    context = state.context()
    for path in context.project.dotenv_files():
        click.echo(f"martflow: warning: {path}: {DOTENV_WARNING}", err=True)
    # mypy: the step options click parsed
    report = context.engine().run(key, **kwargs)  # type: ignore[arg-type]
    key = report.key  # the tracker's spelling of the key the user typed
    document = status_document(key, report.steps, report.outbox)
    document["ran"] = report.ran
    document["failed"] = report.failed
    document["warnings"] = report.delivery.warnings
    output(state, document, lambda: status_text(document))
    for warning in report.delivery.warnings:
        click.echo(f"martflow: warning: {warning}", err=True)
    for error in report.delivery.errors:
        click.echo(f"martflow: tracker update failed: {error}", err=True)
    code = _exit_code(report)
    if report.queued:
        click.echo(
            f"martflow: tracker unreachable ({report.delivery.unreachable}); "
            f"{report.delivery.queued} update(s) queued - run `martflow sync` later",
            err=True,
        )
    raise SystemExit(int(code))


def force_option(help_text: str = FORCE_HELP) -> Callable[[F], F]:
    """``--force``: run a step even though the steps before it have not succeeded."""
    return click.option("--force", is_flag=True, help=help_text)


@click.command("start")
@click.argument("key")
@json_option
@pass_state
@closing
def start(state: CliState, key: str) -> None:
    """Create or check out the ticket's branch; move it In Progress."""
    _run(state, key, only=["start"])


@click.command("build")
@click.argument("key")
@force_option()
@json_option
@pass_state
@closing
def build(state: CliState, key: str, force: bool) -> None:
    """dbt build of the ticket's models and their tests."""
    _run(state, key, only=["build"], force=force)


@click.command("document")
@click.argument("key")
@force_option()
@json_option
@pass_state
@closing
def document(state: CliState, key: str, force: bool) -> None:
    """Write the mart's data dictionary (docs/data-dictionary/); publish it to Confluence."""
    _run(state, key, only=["document"], force=force)


@click.command("scaffold")
@click.argument("key")
@click.option(
    "--spec",
    "spec_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Use this spec file instead of the ticket's.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and a diff per file; write nothing.")
@force_option("Overwrite files martflow did not create, and run even if start has not succeeded.")
@json_option
@pass_state
@closing
def scaffold(state: CliState, key: str, spec_file: Path | None, dry_run: bool, force: bool) -> None:
    """Write the ticket's staging, intermediate and mart models."""
    if dry_run:
        _scaffold_dry_run(state, key, spec_file, force)
        return
    options = {"force": force, "spec_file": str(spec_file) if spec_file else None}
    _run(state, key, only=["scaffold"], options=options, force=force)


def _scaffold_dry_run(state: CliState, key: str, spec_file: Path | None, force: bool) -> None:
    context = state.context()
    key = canonical_key(context, key)
    plan = scaffold_plan(context, key, force, spec_file)
    data = {
        "key": key,
        "files": [{"path": f.path, "action": f.action, "diff": f.diff} for f in plan.files],
        "governance": list(plan.governance),
    }

    def human() -> str:
        lines = [f"{f.action:<9} {f.path}" for f in plan.files]
        governed = ["", "governed staging:", *(f"  {n}" for n in plan.governance)]
        diffs = [f.diff for f in plan.files if f.diff]
        return "\n".join([*lines, *(governed if plan.governance else []), "", *diffs]).rstrip()

    output(state, data, human)
    if any(f.action == "conflict" for f in plan.files):
        raise SystemExit(int(ExitCode.PROBLEMS))


@click.command("commit")
@click.argument("key")
@click.option("--push/--no-push", default=None, help="Push after committing (default: [git].push).")
@force_option()
@json_option
@pass_state
@closing
def commit(state: CliState, key: str, push: bool | None, force: bool) -> None:
    """Commit exactly the files the pipeline wrote for the ticket."""
    options = {} if push is None else {"push": push}
    _run(state, key, only=["commit"], options=options, force=force)


@click.command("publish")
@click.argument("key")
@click.option("--dry-run", is_flag=True, help="Say what would be published where.")
@force_option()
@json_option
@pass_state
@closing
def publish(state: CliState, key: str, dry_run: bool, force: bool) -> None:
    """Publish the ticket's mart as a Tableau workbook."""
    if dry_run:
        context = state.context()
        ticket, spec = ticket_and_spec(context, key)
        result = context.publisher().publish(spec, ticket.key, dry_run=True)
        sketch = result.artifacts.get("sketch", "")
        output(
            state,
            {"key": ticket.key, "location": result.location, "sketch": sketch},
            f"would publish to {result.location}\n\n{result.sketch}"
            + (f"\n\nsketch: {sketch}" if sketch else ""),
        )
        return
    _run(state, key, only=["publish"], force=force)


@click.command("run")
@click.argument("key")
@click.option("--from", "from_step", type=click.Choice(STEP_NAMES), help="Re-run from this step.")
@click.option("--until", "until_step", type=click.Choice(STEP_NAMES), help="Stop after this step.")
@force_option("With --from: run even if the steps before it have not succeeded.")
@json_option
@pass_state
@closing
def run(
    state: CliState, key: str, from_step: str | None, until_step: str | None, force: bool
) -> None:
    """Run every unfinished step of the ticket; resumes where it stopped."""
    _run(state, key, from_step=from_step, until_step=until_step, force=force)


@click.command("status")
@click.argument("key", required=False)
@json_option
@pass_state
def status(state: CliState, key: str | None) -> None:
    """Pipeline state and queued tracker updates."""
    context = state.context()
    ledger = context.ledger
    if key:
        key = canonical_key(context, key)
    keys = [key] if key else ledger.tickets()
    documents = [status_document(k, ledger.steps(k), ledger.outbox(k)) for k in keys]
    if key:
        output(state, documents[0], lambda: status_text(documents[0], ledger.lock_holder(key)))
        return
    output(
        state,
        documents,
        lambda: (
            "\n\n".join(status_text(d, ledger.lock_holder(d["key"])) for d in documents)
            or "no pipelines yet"
        ),
    )


@click.command("sync")
@json_option
@pass_state
def sync(state: CliState) -> None:
    """Deliver queued tracker updates."""
    report = sync_all(state.context())
    for line in report.skipped:
        click.echo(f"martflow: {line}", err=True)
    for error in report.errors:
        click.echo(f"martflow: tracker update failed: {error}", err=True)
    delivered, failed, queued = report.delivered, report.failed, report.queued
    unreachable = report.unreachable
    data = {"delivered": delivered, "failed": failed, "queued": queued}
    output(state, data, f"{delivered} delivered, {failed} failed, {queued} still queued")
    if unreachable:
        click.echo(f"martflow: tracker unreachable: {unreachable}", err=True)
    if failed:
        raise SystemExit(int(ExitCode.PROBLEMS))
    if unreachable and queued:
        raise SystemExit(int(ExitCode.QUEUED))


COMMANDS = [start, scaffold, build, document, commit, publish, run, status, sync]
