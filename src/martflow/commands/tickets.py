"""`tickets`, `tickets create`, `show`: reading and filing tickets."""

from __future__ import annotations

from pathlib import Path

import click

from martflow.commands.common import CliState, json_option, output, pass_state
from martflow.commands.render import show_document, show_text, tickets_table
from martflow.errors import UsageError
from martflow.services.tickets import ticket_view


@click.group("tickets", invoke_without_command=True)
@click.option("--jql", default=None, help="Query to list (Jira); a text filter locally.")
@json_option
@pass_state
@click.pass_context
def tickets(ctx: click.Context, state: CliState, jql: str | None) -> None:
    """List tickets."""
    if ctx.invoked_subcommand is not None:
        return
    context = state.context()
    query = jql if jql is not None else (context.config.tracker.jql or None)
    found = context.tracker.list_tickets(query)
    data = [{"key": t.key, "summary": t.summary, "status": t.status} for t in found]
    output(state, data, lambda: tickets_table(found))


@tickets.command("create")
@click.option("--summary", required=True, help="One-line summary.")
@click.option("--description", default=None, help="Description text (may hold the spec).")
@click.option(
    "--description-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Read the description from a file.",
)
@json_option
@pass_state
def create(
    state: CliState, summary: str, description: str | None, description_file: Path | None
) -> None:
    """File a new ticket and print its key."""
    if description is not None and description_file is not None:
        raise UsageError("give --description or --description-file, not both")
    if description_file is not None:
        description = description_file.read_text(encoding="utf-8")
    context = state.context()
    scanner = context.secret_scanner
    scanner.refuse(summary, "the summary", "file the ticket")
    scanner.refuse(description or "", "the description", "file the ticket")
    ticket = context.tracker.create_ticket(summary, description or "")
    output(
        state, {"key": ticket.key, "summary": ticket.summary, "status": ticket.status}, ticket.key
    )


@click.command("show")
@click.argument("key")
@click.option("--full", is_flag=True, help="Print the whole description, however long.")
@json_option
@pass_state
def show(state: CliState, key: str, full: bool) -> None:
    """Show a ticket, its parsed spec and its pipeline state."""
    context = state.context()
    view = ticket_view(context, key)
    spec = view.spec.to_dict() if view.spec else None
    document = show_document(view.ticket, spec, view.spec_error, list(view.steps))
    output(state, document, lambda: show_text(document, full))


COMMANDS = [tickets, show]
