"""dbt through one long-lived worker process (see dbt_worker.py for the child side)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from martflow.core.naming import is_bare_name
from martflow.core.ports import ProgressCallback
from martflow.core.project import ProjectIndex
from martflow.core.reports import BuildReport, NodeResult
from martflow.errors import CancelledError, DbtError
from martflow.integrations.dbt_env import worker_env

WORKER_LOG = Path("logs") / "martflow-dbt-worker.log"
"""Where the worker's stderr goes, relative to the dbt project."""


class DbtProcessRunner:
    """Runs dbt in one child process kept warm across calls; implements ``DbtRunner``.

    Calls are serialized (the TUI calls from threads). The child starts on first use,
    is restarted on the next call if it died, and exits when stdin closes.
    ``interrupt()`` (from any thread) cancels the calls made so far.
    """

    def __init__(
        self,
        project_dir: Path,
        profiles_dir: Path,
        target: str | None = None,
        *,
        extra_env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        source_freshness: bool = True,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.source_freshness = source_freshness
        """Check the freshness of the built models' upstream sources after each build."""
        self.log_path = log_path or self.project_dir / WORKER_LOG
        """Where the worker's stderr goes (martflow passes a file under .martflow/)."""
        self.profiles_dir = Path(profiles_dir).resolve()
        self.target = target
        self._extra_env = dict(extra_env or {})
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        """Guards what interrupt() reads without the call lock: _proc, _epoch, _busy."""
        self._epoch = 0
        self._busy = 0
        self._proc: subprocess.Popen[str] | None = None
        self._next_id = 0
        self.commands: list[str] = []
        """Every dbt command the worker ran for this runner, in order (parse, build, ...)."""
        self.parses: list[dict[str, Any]] = []
        """How each parse went: ``{"kind": "partial", "changed": 1, ...}`` or ``"full"``."""

    @property
    def pid(self) -> int | None:
        """The worker's process id, or None when no worker runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def start(self) -> None:
        """Start the worker now (it pays dbt's import cost) instead of on first use."""
        with self._lock:
            self._ensure_started()

    def build(
        self,
        select: Sequence[str],
        mart: str | None = None,
        on_event: ProgressCallback | None = None,
    ) -> BuildReport:
        """``dbt build --select ...``; the report comes from this invocation's results only.

        Failing tests are nodes with status fail/error in the report, not an exception.
        With ``source_freshness``, the upstream sources' freshness follows the build
        (``BuildReport.freshness``). Raises DbtError when dbt cannot run (parse or
        compile error, missing profile).
        """
        if mart is not None:
            _check_identifier(mart, "mart model")
        request = {
            "op": "build",
            "select": list(select),
            "mart": mart,
            "freshness": self.source_freshness,
        }
        data = self._call(request, on_event)
        nodes = tuple(NodeResult(**node) for node in data["nodes"])
        fresh = tuple(NodeResult(**node) for node in data.get("freshness", ()))
        return BuildReport(data["invocation_id"], nodes, data["mart_rows"], fresh)

    def show(self, model: str, limit: int = 20) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and up to ``limit`` rows of ``model`` (``dbt show``)."""
        _check_identifier(model, "model")
        data = self._call({"op": "show", "model": model, "limit": int(limit)}, None)
        return list(data["columns"]), [tuple(row) for row in data["rows"]]

    def model_docs(self, model: str) -> dict[str, Any]:
        """The manifest's description, columns, tests and lineage of ``model``, and its
        columns in the warehouse (the catalog)."""
        _check_identifier(model, "model")
        return self._call({"op": "model_docs", "model": model}, None)

    def project_index(self) -> ProjectIndex:
        """The project's declared sources, models and seeds, from the worker's parse.

        The manifest is reused while no project file changed (dbt's partial parse
        otherwise); never ``dbt ls``. Raises DbtError when the project does not parse.
        """
        from martflow.integrations.dbt_manifest import project_index

        return project_index(self._call({"op": "nodes"}, None))

    def request(self, op: str, **payload: Any) -> dict[str, Any]:
        """One read-only request the worker answers through the adapter (see adapter_reads)."""
        return self._call({"op": op, **payload}, None)

    def stream(self, op: str, **payload: Any) -> Iterator[list[list[Any]]]:
        """The ``rows`` batches of a streaming request, as the worker fetches them.

        The worker waits while the pipe is full, so memory stays at a few batches however
        big the table. The call lock is held until the stream ends; closing the iterator
        early stops the worker (the next call starts a fresh one).
        """
        with self._guard:
            epoch = self._epoch
            self._busy += 1
        try:
            with self._lock:
                yield from self._stream_locked({"op": op, **payload}, epoch)
        finally:
            with self._guard:
                self._busy -= 1

    def _stream_locked(self, request: dict[str, Any], epoch: int) -> Iterator[list[list[Any]]]:
        self._next_id += 1
        request["id"] = self._next_id
        self._check_cancelled(epoch)
        self._ensure_started(epoch)
        if not self._send(request):
            self._stop()
            self._ensure_started(epoch)
            if not self._send(request):
                raise DbtError(f"the dbt worker keeps dying (see {self.log_path})")
        assert self._proc is not None and self._proc.stdout is not None
        done = False
        try:
            while True:
                msg = _read_message(self._proc.stdout)
                if msg is None:
                    self._check_cancelled(epoch)
                    raise DbtError(
                        f"the dbt worker exited during {request['op']} (see {self.log_path})"
                    )
                if msg.get("id") != request["id"]:
                    continue
                if msg.get("kind") == "rows":
                    yield msg["rows"]
                elif msg.get("kind") == "result":
                    done = True
                    self.commands.extend(msg.get("commands", []))
                    self.parses.extend(msg.get("parses", []))
                    if not msg["ok"]:
                        raise DbtError(msg["error"])
                    return
        finally:
            if not done:  # stopped mid-stream: the worker is still sending, so end it
                if self._proc is not None:
                    with contextlib.suppress(OSError):
                        self._proc.kill()
                self._stop()

    def interrupt(self) -> None:
        """Cancel every call made so far; the one in flight raises CancelledError at once.

        Callable from any thread while another is inside a call: it takes no call lock,
        it kills the worker (whatever dbt runs stops with it) and the next call starts a
        fresh one. With no call in flight nothing is killed: the warm worker stays.
        """
        with self._guard:
            self._epoch += 1
            proc = self._proc if self._busy else None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()

    def _kill_worker(self) -> None:
        with self._guard:
            proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            self._stop()

    def close(self) -> None:
        """Stop the worker (closing its stdin ends it)."""
        with self._lock:
            self._stop()

    def __enter__(self) -> DbtProcessRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, request: dict[str, Any], on_event: ProgressCallback | None) -> dict[str, Any]:
        with self._guard:
            epoch = self._epoch
            self._busy += 1
        try:
            with self._lock:
                reply = self._exchange(request, on_event, epoch)
                self.commands.extend(reply.get("commands", []))
                self.parses.extend(reply.get("parses", []))
        except KeyboardInterrupt:
            # Ctrl-C: whatever dbt runs stops now; the worker gets no grace period.
            self._kill_worker()
            raise
        finally:
            with self._guard:
                self._busy -= 1
        if not reply["ok"]:
            raise DbtError(reply["error"])
        return dict(reply["data"])

    def _exchange(
        self, request: dict[str, Any], on_event: ProgressCallback | None, epoch: int
    ) -> dict[str, Any]:
        """Send ``request`` and read its reply (call lock held); cancelled if interrupted."""
        self._next_id += 1
        request["id"] = self._next_id
        for _attempt in range(2):
            self._check_cancelled(epoch)
            try:
                self._ensure_started(epoch)
                reply = self._read_reply(request, on_event) if self._send(request) else None
            except DbtError:
                self._check_cancelled(epoch)  # the worker died because we killed it
                raise
            if reply is not None:
                return reply
            # The worker died before taking the request (it crashed or was killed
            # between calls): nothing ran, so one fresh worker may take it.
            self._stop()
        self._check_cancelled(epoch)
        raise DbtError(f"the dbt worker keeps dying (see {self.log_path})")

    def _check_cancelled(self, epoch: int) -> None:
        with self._guard:
            cancelled = self._epoch != epoch
        if cancelled:
            if self._proc is not None and self._proc.poll() is not None:
                self._stop()  # reap the worker interrupt() killed
            raise CancelledError("dbt run cancelled")

    def _send(self, request: dict[str, Any]) -> bool:
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
        except OSError:  # BrokenPipeError: the worker is gone
            return False
        return True

    def _read_reply(
        self, request: dict[str, Any], on_event: ProgressCallback | None
    ) -> dict[str, Any] | None:
        """The request's result; None if the worker died before accepting it."""
        assert self._proc is not None and self._proc.stdout is not None
        accepted = False
        callback_error: Exception | None = None
        while True:
            msg = _read_message(self._proc.stdout)
            if msg is None:
                if not accepted:
                    return None
                code = self._proc.wait()
                self._stop()
                raise DbtError(
                    f"the dbt worker exited (code {code}) during {request['op']}; "
                    f"it restarts on the next call (see {self.log_path})"
                )
            if msg.get("id") != request["id"]:
                continue
            kind = msg.get("kind")
            if kind == "accepted":
                accepted = True
            elif kind == "event":
                if on_event is not None and callback_error is None:
                    try:
                        on_event(str(msg["text"]))
                    except Exception as exc:  # keep reading so the protocol stays in step
                        callback_error = exc
            elif kind == "result":
                if callback_error is not None:
                    raise callback_error
                return msg

    def _ensure_started(self, epoch: int | None = None) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                return
            self._stop()
        log_path = self.log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        # -P: the project folder (cwd) must not be on sys.path, or its dbt_*.py would load.
        command = [sys.executable, "-P", "-m", "martflow.integrations.dbt_worker"]
        command += ["--profiles-dir", str(self.profiles_dir)]
        if self.target:
            command += ["--target", self.target]
        with log_path.open("a", encoding="utf-8") as log:
            proc = subprocess.Popen(
                command,
                cwd=self.project_dir,
                env=worker_env(os.environ, self._extra_env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                bufsize=1,
                start_new_session=True,  # Ctrl-C in the terminal is the parent's to handle
            )
        with self._guard:  # from here on interrupt() can kill it, even while it starts
            self._proc = proc
            cancelled = epoch is not None and epoch != self._epoch
        if cancelled:
            proc.kill()
        ready = _read_message(proc.stdout) if proc.stdout is not None else None
        if ready is None or ready.get("kind") != "ready":
            self._stop()
            code = proc.returncode
            raise DbtError(f"the dbt worker failed to start (code {code}): {_last_line(log_path)}")

    def _stop(self) -> None:
        with self._guard:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _read_message(stream: IO[str]) -> dict[str, Any] | None:
    while True:
        line = stream.readline()
        if not line:
            return None
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue  # not ours: the protocol channel carries only JSON objects
        if isinstance(msg, dict):
            return msg


def _check_identifier(name: str, what: str) -> None:
    # These names end up inside Jinja or a selector; only plain identifiers may.
    if not is_bare_name(name):
        raise DbtError(f"invalid {what} name {name!r}: expected letters, digits and _")


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError:
        return "no log"
    return lines[-1] if lines else "no output"
