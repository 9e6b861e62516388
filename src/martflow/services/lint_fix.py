"""A ticket's lint fix in two steps: show what sqlfluff would change, then write it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from martflow.core.lint_fixes import FileFix
from martflow.core.naming import model_sql_files
from martflow.errors import UsageError
from martflow.services.ports import HasLedger, HasLinter, HasProject


class TicketFiles(HasProject, HasLedger, Protocol):
    """What finding a ticket's files needs."""


class Ports(TicketFiles, HasLinter, Protocol):
    """What a lint fix needs."""


def ticket_models(context: TicketFiles, key: str) -> list[Path]:
    """The ``.sql`` files the scaffold step wrote for ``key`` (the ledger's spelling wins).

    Raises:
        UsageError: the ticket has no scaffolded models yet.
    """
    ledger = context.ledger
    # Keys are case-insensitive; no tracker call (CI has none).
    key = next((k for k in ledger.tickets() if k.casefold() == key.casefold()), key)
    files = ledger.step(key, "scaffold").artifacts.get("files")
    sql = model_sql_files(str(f) for f in files) if isinstance(files, list) else []
    if not sql:
        raise UsageError(f"{key} has no scaffolded models yet: run `martflow scaffold {key}`")
    return [context.project.root / str(f) for f in sql]


def preview_ticket_fixes(context: Ports, key: str) -> tuple[FileFix, ...]:
    """What fixing ``key``'s models would change; nothing is written."""
    return context.linter().preview_fixes(ticket_models(context, key))
