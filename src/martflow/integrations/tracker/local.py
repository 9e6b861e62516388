"""The local tracker: tickets, statuses and comments in a SQLite file, no server needed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from martflow.core import sqlite
from martflow.core.document import Document
from martflow.core.models import Comment, Ticket
from martflow.errors import TicketNotFoundError, UsageError

if TYPE_CHECKING:
    from martflow.core.ports import TransitionResult

DEFAULT_WORKFLOW: tuple[str, ...] = ("To Do", "In Progress", "In Review", "Done")
"""The statuses a local project moves through, like a default Jira software workflow."""

AUTHOR = "martflow"
"""The author of every comment posted through this tracker."""

MAX_SUMMARY = 255
"""Jira's summary limit: enforced locally too so a ticket filed here would be valid there."""

_PROJECT = re.compile(r"[A-Z][A-Z0-9_]{0,9}")
_KEY = re.compile(r"([A-Z][A-Z0-9_]*)-([1-9][0-9]*)")

_SCHEMA = """
create table if not exists projects (
    project text primary key, last_number integer not null
);
create table if not exists tickets (
    key text primary key, project text not null, number integer not null,
    summary text not null, description text not null, status text not null,
    created text not null, unique (project, number)
);
create table if not exists comments (
    id integer primary key autoincrement, key text not null references tickets (key),
    body text not null, author text not null, created text not null, op_id text,
    unique (key, op_id)
);
create table if not exists status_history (
    id integer primary key autoincrement, key text not null references tickets (key),
    from_status text not null, to_status text not null, at text not null
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class LocalTracker:
    """A ``Tracker`` backed by SQLite (WAL, synchronous=FULL), safe to call from any thread.

    Every call opens its own short-lived connection, so worker threads and other
    processes can share the file; writes run in ``BEGIN IMMEDIATE`` transactions.
    Tickets are scoped to ``project``: keys of other projects in the same file are unknown.
    """

    def __init__(
        self,
        db_path: Path,
        project: str = "DEMO",
        workflow: Sequence[str] = DEFAULT_WORKFLOW,
    ) -> None:
        if not _PROJECT.fullmatch(project):
            raise UsageError(
                f"local tracker project '{project}' must be 1-10 upper-case letters, "
                "digits or '_', starting with a letter"
            )
        self.db_path = Path(db_path)
        self.project = project
        self.workflow = _validated_workflow(workflow)
        sqlite.open_database(self.db_path, _SCHEMA, foreign_keys=True)

    # -- Tracker -----------------------------------------------------------------------

    def list_tickets(self, query: str | None = None) -> list[Ticket]:
        """This project's tickets, newest first (without comments).

        ``query`` is a case-insensitive substring of the key, summary or status;
        JQL means nothing here.
        """
        with self._connect() as db:
            rows = db.execute(
                "select * from tickets where project = ? order by number desc", (self.project,)
            ).fetchall()
        tickets = [_ticket(row) for row in rows]
        if not query or not query.strip():
            return tickets
        needle = query.strip().casefold()
        return [
            t
            for t in tickets
            if any(needle in field.casefold() for field in (t.key, t.summary, t.status))
        ]

    def ticket_pages(self, query: str | None = None) -> Iterator[list[Ticket]]:
        """``list_tickets`` as one page: a local file is read at once."""
        yield self.list_tickets(query)

    def get_ticket(self, key: str) -> Ticket:
        """One ticket with its description and comments, oldest comment first."""
        with self._connect() as db:
            row = self._row(db, key)
            comments = db.execute(
                "select * from comments where key = ? order by id", (row["key"],)
            ).fetchall()
        return _ticket(row, tuple(_comment(c) for c in comments))

    def create_ticket(self, summary: str, description: str = "") -> Ticket:
        """File a ticket in the first status; its key is ``PROJECT-N``, N never reused."""
        summary = _validated_summary(summary)
        with self._transaction() as db:
            db.execute(
                "insert into projects values (?, 1) on conflict (project) "
                "do update set last_number = last_number + 1",
                (self.project,),
            )
            (number,) = db.execute(
                "select last_number from projects where project = ?", (self.project,)
            ).fetchone()
            key = f"{self.project}-{number}"
            db.execute(
                "insert into tickets values (?, ?, ?, ?, ?, ?, ?)",
                (key, self.project, number, summary, description, self.workflow[0], _now()),
            )
        return Ticket(key=key, summary=summary, status=self.workflow[0], description=description)

    def statuses(self) -> list[str]:
        """The configured workflow, in order."""
        return list(self.workflow)

    def transition(self, key: str, status: str) -> TransitionResult:
        """Move to ``status`` (matched case-insensitively); every status is reachable."""
        target = self._canonical_status(status)
        with self._transaction() as db:
            row = self._row(db, key)
            if target is None:
                return "unreachable"
            if row["status"].casefold() == target.casefold():
                return "already"
            db.execute("update tickets set status = ? where key = ?", (target, row["key"]))
            db.execute(
                "insert into status_history (key, from_status, to_status, at) values (?, ?, ?, ?)",
                (row["key"], row["status"], target, _now()),
            )
        return "moved"

    def add_comment(self, key: str, body: Document, op_id: str) -> str:
        """Store ``body`` as plain text; a second call with the same ``op_id`` returns the first id.

        An empty ``op_id`` means "no idempotency": every such call posts a comment.
        """
        from martflow.core.document_text import render_text  # not needed for the first frame

        text = render_text(body)
        if not text.strip():
            raise UsageError(f"refusing to post an empty comment on {key}")
        with self._transaction() as db:
            ticket_key = self._row(db, key)["key"]
            if op_id:
                existing = self._comment_id(db, ticket_key, op_id)
                if existing is not None:
                    return existing
            cursor = db.execute(
                "insert into comments (key, body, author, created, op_id) values (?, ?, ?, ?, ?)",
                (ticket_key, text, AUTHOR, _now(), op_id or None),
            )
        return str(cursor.lastrowid)

    def find_comment(self, key: str, op_id: str) -> str | None:
        """The id of the comment posted with ``op_id`` on this ticket, if any."""
        with self._connect() as db:
            ticket_key = self._row(db, key)["key"]
            return self._comment_id(db, ticket_key, op_id) if op_id else None

    # -- beyond the port ---------------------------------------------------------------

    def comments(self, key: str) -> list[Comment]:
        """The ticket's comments, oldest first."""
        return list(self.get_ticket(key).comments)

    def history(self, key: str) -> list[tuple[str, str, datetime]]:
        """Every status change of the ticket as (from, to, when), oldest first."""
        with self._connect() as db:
            ticket_key = self._row(db, key)["key"]
            rows = db.execute(
                "select from_status, to_status, at from status_history where key = ? order by id",
                (ticket_key,),
            ).fetchall()
        return [(r["from_status"], r["to_status"], datetime.fromisoformat(r["at"])) for r in rows]

    # -- internals ---------------------------------------------------------------------

    def _canonical_status(self, status: str) -> str | None:
        wanted = status.strip().casefold()
        return next((s for s in self.workflow if s.casefold() == wanted), None)

    def _row(self, db: sqlite3.Connection, key: str) -> sqlite3.Row:
        normalized = key.strip().upper()
        match = _KEY.fullmatch(normalized)
        row = None
        if match and match.group(1) == self.project:
            row = db.execute("select * from tickets where key = ?", (normalized,)).fetchone()
        if row is None:
            raise TicketNotFoundError(key)
        return row

    @staticmethod
    def _comment_id(db: sqlite3.Connection, key: str, op_id: str) -> str | None:
        row = db.execute(
            "select id from comments where key = ? and op_id = ?", (key, op_id)
        ).fetchone()
        return str(row["id"]) if row else None

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.connect(self.db_path, foreign_keys=True)

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.transaction(self.db_path, foreign_keys=True)


def _validated_workflow(workflow: Sequence[str]) -> tuple[str, ...]:
    if isinstance(workflow, str):
        raise UsageError("local tracker workflow must be a list of statuses, not one string")
    statuses = tuple(s.strip() for s in workflow)
    if not statuses:
        raise UsageError("local tracker workflow has no statuses")
    seen: set[str] = set()
    for status in statuses:
        if not status:
            raise UsageError("local tracker workflow has an empty status name")
        if status.casefold() in seen:
            raise UsageError(f"local tracker workflow lists status '{status}' twice")
        seen.add(status.casefold())
    return statuses


def _validated_summary(summary: str) -> str:
    summary = summary.strip()
    if not summary:
        raise UsageError("a ticket needs a summary; it was empty")
    if "\n" in summary or "\r" in summary:
        raise UsageError("a ticket summary must be one line")
    if len(summary) > MAX_SUMMARY:
        raise UsageError(
            f"a ticket summary is at most {MAX_SUMMARY} characters; got {len(summary)}"
        )
    return summary


def _ticket(row: sqlite3.Row, comments: tuple[Comment, ...] = ()) -> Ticket:
    return Ticket(
        key=row["key"],
        summary=row["summary"],
        status=row["status"],
        description=row["description"],
        comments=comments,
    )


def _comment(row: sqlite3.Row) -> Comment:
    return Comment(
        id=str(row["id"]),
        body=row["body"],
        created=datetime.fromisoformat(row["created"]),
        author=row["author"],
    )
