"""The dbt worker process: one warm dbtRunner, driven by JSON lines on stdin.

Started by ``DbtProcessRunner`` as ``python -P -m martflow.integrations.dbt_worker``
with the dbt project as its working directory. Requests arrive one per line on stdin;
events and the final result go back one JSON object per line on the original stdout.
End of stdin (the parent closed it or died) ends the process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from martflow.integrations.dbt_session import (
    DbtSession,
    Invocation,
    WorkerError,
    one_line,
)
from martflow.integrations.metastore_lock import explain
from martflow.integrations.warehouse_idle import release_idle_warehouse


def sanitize_sys_path(project_dir: Path) -> None:
    """Drop '' and the project folder from sys.path so its ``dbt_*`` files are never imported."""
    project = project_dir.resolve()
    kept = []
    for entry in sys.path:
        if entry in ("", "."):
            continue
        try:
            if Path(entry).resolve() == project:
                continue
        except OSError:
            pass
        kept.append(entry)
    sys.path[:] = kept


READ_OPS = frozenset(
    {
        "columns",
        "source_columns",
        "schema_tables",
        "profile",
        "ping",
        "stream",
        "connection",
        "model_docs",
    }
)
"""Requests answered through the adapter rather than a dbt command."""


def _claim_stdout() -> IO[str]:
    # The protocol owns the real stdout; anything dbt or a library prints goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def serve(session: DbtSession, lines: IO[str], out: IO[str]) -> None:
    """Answer requests until end of input."""

    def send(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)
        rid = request.get("id")
        # The ack tells the parent the request is ours now: a crash before it is safe to retry.
        send({"id": rid, "kind": "accepted"})
        inv = Invocation(_event_sender(send, rid), _reply_sender(send, rid))
        before, parsed = len(session.commands), len(session.parses)
        try:
            op = request["op"]
            if op == "build":
                data = session.build(
                    list(request["select"]),
                    request.get("mart"),
                    inv,
                    bool(request.get("freshness")),
                )
            elif op == "show":
                data = session.show(request["model"], int(request["limit"]), inv)
            elif op in READ_OPS:
                data = session.read(request, inv)
            elif op == "nodes":
                data = session.project_nodes(inv)
            else:
                raise WorkerError(f"unknown request {op!r}")
            reply: dict[str, Any] = {"id": rid, "kind": "result", "ok": True, "data": data}
        except WorkerError as exc:
            error = explain(str(exc), session.project_dir)
            reply = {"id": rid, "kind": "result", "ok": False, "error": error}
        except Exception as exc:  # a bug or a dbt internal error: report it, keep serving
            reply = {"id": rid, "kind": "result", "ok": False, "error": one_line(repr(exc))}
        reply["commands"] = session.commands[before:]
        reply["parses"] = session.parses[parsed:]
        # Released before the reply: once the parent hears back, the file is free.
        with contextlib.suppress(Exception):  # a failed close shows on the next open
            release_idle_warehouse()
        send(reply)


def watch_parent(parent: int, interval: float = 1.0) -> threading.Thread:
    """Exit as soon as ``parent`` dies, even in the middle of a long query.

    End of stdin is only noticed between requests; an orphaned worker would otherwise
    run its query to the end (hours, for a runaway model) holding the warehouse file.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(3)

    thread = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    """Entry point of the worker process."""
    parser = argparse.ArgumentParser(prog="martflow-dbt-worker")
    parser.add_argument("--profiles-dir", required=True)
    parser.add_argument("--target", default=None)
    ns = parser.parse_args(argv)
    watch_parent(os.getppid())
    project_dir = Path.cwd()
    sanitize_sys_path(project_dir)
    out = _claim_stdout()
    session = DbtSession(project_dir, Path(ns.profiles_dir).resolve(), ns.target)
    out.write(json.dumps({"kind": "ready", "pid": os.getpid()}) + "\n")
    out.flush()
    serve(session, sys.stdin, out)
    return 0


def _event_sender(send: Callable[[dict[str, Any]], None], rid: object) -> Callable[[str], None]:
    """Sends a request's dbt event lines, tagged with its id."""
    return lambda text: send({"id": rid, "kind": "event", "text": text})


def _reply_sender(
    send: Callable[[dict[str, Any]], None], rid: object
) -> Callable[[dict[str, Any]], None]:
    """Sends a request's other messages, tagged with its id."""
    return lambda message: send({"id": rid, **message})


if __name__ == "__main__":
    sys.exit(main())
