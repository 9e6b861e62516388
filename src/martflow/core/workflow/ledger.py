"""The durable ledger: step states, artifacts, the outbox of tracker updates, ticket locks."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from martflow.core import sqlite
from martflow.core.models import (
    STEP_NAMES,
    OutboxEntry,
    OutboxState,
    StepRecord,
    StepState,
)
from martflow.errors import TicketBusyError

_SCHEMA = """
create table if not exists pipelines (
    key text primary key, pipeline_id text not null, created text not null
);
create table if not exists steps (
    key text not null, name text not null, state text not null,
    started text, finished text, detail text not null default '',
    artifacts text not null default '{}', failure_note text not null default '',
    primary key (key, name)
);
create table if not exists outbox (
    op_id text primary key, seq integer not null, key text not null, step text not null,
    kind text not null, target text not null, payload text not null, state text not null,
    attempts integer not null default 0, last_error text not null default '',
    remote_id text not null default '', created text not null, updated text not null
);
create index if not exists outbox_open on outbox (state, key, seq);
create table if not exists locks (
    key text primary key, pid integer not null, host text not null,
    started_token text not null, acquired text not null
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_HELD: set[tuple[str, str]] = set()
"""(ledger path, key) locks held by this process: the row's pid cannot tell threads apart."""
_HELD_GUARD = threading.Lock()


class Ledger:
    """SQLite (WAL, synchronous=FULL) ledger shared by every process of a repository."""

    def __init__(self, path: Path) -> None:
        self.path = path
        sqlite.open_database(path, _SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite.connect(self.path)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): all or nothing."""
        return sqlite.transaction(self.path)

    # -- pipelines ---------------------------------------------------------------------

    def pipeline_id(self, key: str) -> str:
        """A stable id for this ticket's pipeline (the git commit trailer uses it)."""
        with self.transaction() as db:
            row = db.execute("select pipeline_id from pipelines where key = ?", (key,)).fetchone()
            if row:
                return str(row["pipeline_id"])
            new_id = f"{key}/{uuid.uuid4().hex[:12]}"
            db.execute("insert into pipelines values (?, ?, ?)", (key, new_id, _now()))
            return new_id

    def tickets(self) -> list[str]:
        """Keys of every ticket with ledger state."""
        with self._connect() as db:
            rows = db.execute(
                "select key from pipelines union select key from outbox order by key"
            ).fetchall()
        return [str(r["key"]) for r in rows]

    # -- steps -------------------------------------------------------------------------

    def steps(self, key: str) -> list[StepRecord]:
        """Every pipeline step of ``key`` in order, pending where never run."""
        with self._connect() as db:
            rows = {r["name"]: r for r in db.execute("select * from steps where key = ?", (key,))}
        records = []
        for name in STEP_NAMES:
            row = rows.get(name)
            if row is None:
                records.append(StepRecord(name=name, state=StepState.PENDING))
                continue
            records.append(
                StepRecord(
                    name=name,
                    state=StepState(row["state"]),
                    started=_when(row["started"]),
                    finished=_when(row["finished"]),
                    detail=row["detail"],
                    artifacts=json.loads(row["artifacts"]),
                )
            )
        return records

    def step(self, key: str, name: str) -> StepRecord:
        return next(r for r in self.steps(key) if r.name == name)

    def mark_running(self, key: str, name: str) -> None:
        with self.transaction() as db:
            db.execute(
                """insert into steps (key, name, state, started, finished, detail)
                   values (?, ?, 'running', ?, null, '')
                   on conflict (key, name) do update set state = 'running',
                   started = excluded.started, finished = null, detail = ''""",
                (key, name, _now()),
            )

    def finish_step(
        self,
        key: str,
        name: str,
        state: StepState,
        detail: str,
        artifacts: dict[str, object],
        updates: Sequence[tuple[str, str, str]] = (),
        *,
        failure_note: str = "",
    ) -> list[str]:
        """Record a step's end and queue its tracker updates in the same transaction.

        ``updates`` are (kind, target, payload) rows; returns their operation ids.
        """
        op_ids = []
        with self.transaction() as db:
            db.execute(
                """update steps set state = ?, finished = ?, detail = ?, artifacts = ?,
                   failure_note = ? where key = ? and name = ?""",
                (
                    state.value,
                    _now(),
                    detail,
                    json.dumps(artifacts, sort_keys=True),
                    failure_note,
                    key,
                    name,
                ),
            )
            for kind, target, payload in updates:
                op_ids.append(self._enqueue(db, key, name, kind, target, payload))
        return op_ids

    def save_artifacts(self, key: str, name: str, artifacts: dict[str, object]) -> None:
        """Replace a running step's artifacts now (work in flight, recorded as it starts)."""
        with self.transaction() as db:
            db.execute(
                "update steps set artifacts = ? where key = ? and name = ?",
                (json.dumps(artifacts, sort_keys=True), key, name),
            )

    def failure_note(self, key: str, name: str) -> str:
        with self._connect() as db:
            row = db.execute(
                "select failure_note from steps where key = ? and name = ?", (key, name)
            ).fetchone()
        return str(row["failure_note"]) if row else ""

    def reset_steps(self, key: str, names: Sequence[str]) -> None:
        """Mark steps pending again (``run --from``)."""
        with self.transaction() as db:
            db.executemany(
                "update steps set state = 'pending' where key = ? and name = ?",
                [(key, n) for n in names],
            )

    # -- outbox ------------------------------------------------------------------------

    def enqueue(self, key: str, step: str, kind: str, target: str, payload: str) -> str:
        with self.transaction() as db:
            return self._enqueue(db, key, step, kind, target, payload)

    @staticmethod
    def _enqueue(
        db: sqlite3.Connection, key: str, step: str, kind: str, target: str, payload: str
    ) -> str:
        op_id = uuid.uuid4().hex[:16]
        seq = db.execute("select coalesce(max(seq), 0) + 1 from outbox").fetchone()[0]
        now = _now()
        db.execute(
            """insert into outbox (op_id, seq, key, step, kind, target, payload, state,
               created, updated) values (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)""",
            (op_id, seq, key, step, kind, target, payload, now, now),
        )
        return op_id

    def outbox(self, key: str | None = None, *, open_only: bool = False) -> list[OutboxEntry]:
        """Queued updates in delivery order (``open_only``: pending and in flight)."""
        sql = "select * from outbox where (? is null or key = ?)"
        if open_only:
            sql += " and state in ('pending', 'in_flight')"
        with self._connect() as db:
            rows = db.execute(sql + " order by seq", (key, key)).fetchall()
        return [_entry(r) for r in rows]

    def mark_in_flight(self, op_id: str) -> None:
        """Committed before the request is sent, so a crash leaves a row to reconcile."""
        self._set_state(op_id, OutboxState.IN_FLIGHT, count_attempt=True)

    def mark_confirmed(self, op_id: str, remote_id: str) -> None:
        self._set_state(op_id, OutboxState.CONFIRMED, remote_id=remote_id, error="")

    def mark_skipped(self, op_id: str, warning: str) -> None:
        self._set_state(op_id, OutboxState.SKIPPED, error=warning)

    def mark_failed(self, op_id: str, error: str) -> None:
        self._set_state(op_id, OutboxState.FAILED, error=error)

    def mark_retry(self, op_id: str, error: str, *, applied_unknown: bool) -> None:
        """A transient failure: pending again, or left in flight to reconcile first."""
        state = OutboxState.IN_FLIGHT if applied_unknown else OutboxState.PENDING
        self._set_state(op_id, state, error=error)

    def _set_state(
        self,
        op_id: str,
        state: OutboxState,
        *,
        remote_id: str | None = None,
        error: str | None = None,
        count_attempt: bool = False,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                """update outbox set state = ?, updated = ?,
                   attempts = attempts + ?,
                   remote_id = coalesce(?, remote_id),
                   last_error = coalesce(?, last_error)
                   where op_id = ?""",
                (state.value, _now(), int(count_attempt), remote_id, error, op_id),
            )

    # -- locks -------------------------------------------------------------------------

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold ``key``'s lock; a lock of a dead process on this host is taken over."""
        self.acquire(key)
        try:
            yield
        finally:
            self.release(key)

    def acquire(self, key: str) -> None:
        """Take ``key``'s lock or raise TicketBusyError naming the holder.

        Two threads of one process (the TUI's run and its sync) exclude each other too.
        """
        held = (str(self.path.resolve()), key)
        with _HELD_GUARD:
            if held in _HELD:
                raise TicketBusyError(f"ticket {key} is busy: a run in this process holds it")
            _HELD.add(held)
        try:
            self._acquire_row(key)
        except BaseException:
            with _HELD_GUARD:
                _HELD.discard(held)
            raise

    def _acquire_row(self, key: str) -> None:
        me, host, token = os.getpid(), socket.gethostname(), _start_token(os.getpid())
        with self.transaction() as db:
            row = db.execute("select * from locks where key = ?", (key,)).fetchone()
            if row and not (row["pid"] == me and row["host"] == host):
                if row["host"] != host:
                    raise TicketBusyError(
                        f"ticket {key} is busy: held by pid {row['pid']} on {row['host']} "
                        f"since {row['acquired']}"
                    )
                if _alive(row["pid"], row["started_token"]):
                    raise TicketBusyError(
                        f"ticket {key} is busy: held by pid {row['pid']} on {host} "
                        f"since {row['acquired']}"
                    )
            db.execute(
                "insert or replace into locks values (?, ?, ?, ?, ?)",
                (key, me, host, token, _now()),
            )

    def release(self, key: str) -> None:
        held = (str(self.path.resolve()), key)
        with _HELD_GUARD:
            if held not in _HELD:
                return  # not ours: another thread's lock stays
            _HELD.discard(held)
        with self.transaction() as db:
            db.execute(
                "delete from locks where key = ? and pid = ? and host = ?",
                (key, os.getpid(), socket.gethostname()),
            )

    def lock_holder(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("select * from locks where key = ?", (key,)).fetchone()
        if row is None or not _alive(row["pid"], row["started_token"]):
            return None
        return f"pid {row['pid']} on {row['host']}"


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        op_id=row["op_id"],
        key=row["key"],
        step=row["step"],
        kind=row["kind"],
        target=row["target"],
        payload=row["payload"],
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        remote_id=row["remote_id"],
    )


def _start_token(pid: int) -> str:
    """The process's start time from /proc, so a reused pid is not mistaken for the holder."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, token: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # killed but not yet reaped by its parent
    except OSError:
        pass
    return not token or _start_token(pid) in ("", token)
