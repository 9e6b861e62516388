"""A small stateful Jira on 127.0.0.1 for the real ``jira`` client to talk to.

It answers in the payload shapes recorded from real servers (``jira_recorded``), speaks
REST v2 and (as Cloud) v3, keeps its own tickets, transitions with screens, comments
with properties and links, RECORDS every request, and can be told to misbehave (status
codes, Retry-After, slow answers, a dropped connection after applying a write, a request
held until the test lets it go, CAPTCHA and HTML login pages).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.integrations.jira_recorded import Recordings, jira_time, load_json
from tests.integrations.jira_resources import (
    WORKFLOW,
    HttpError,
    Issue,
    JiraResources,
    default_transitions,
)
from tests.recorded import Received

__all__ = [
    "API",
    "API3",
    "LOGIN_PAGE",
    "WORKFLOW",
    "FakeJira",
    "Fault",
    "closed_port",
    "jira_time",
    "load_json",
]

API = "/rest/api/2"
API3 = "/rest/api/3"
_ANY_API = r"/rest/api/[23]"
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Log in - Acme Jira</title></head>"
    "<body><form>Username <input name='os_username'> Password ...</form></body></html>"
)
"""What an SSO proxy or Jira's own login shows a client that is not signed in."""


@dataclass
class Fault:
    """Misbehave on matching requests to ``method`` and ``path`` (a regex after the API root).

    The first ``after`` matches pass untouched; the next ``times`` misbehave. ``gate``
    holds the answer until the test sets it.
    """

    method: str
    path: str
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False
    apply_first: bool = False
    delay: float = 0.0
    after: int = 0
    gate: threading.Event | None = None


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeJira(JiraResources):
    """The loopback Jira. Use as a context manager; ``url`` is its base URL."""

    def __init__(
        self,
        *,
        deployment: str = "Cloud",
        project: str = "DEMO",
        workflow: tuple[str, ...] = WORKFLOW,
        user: str = "pm@example.com",
        token: str = "s3cret-jira-token-value",
        auth: str = "basic",
        comment_page_cap: int = 50,
        search_page_cap: int = 100,
    ) -> None:
        self.deployment = deployment
        self.project = project
        self.workflow = workflow
        self.comment_page_cap = comment_page_cap
        self.search_page_cap = search_page_cap
        self.expands_comment_properties = True
        """False: GET comments ignores ``expand=properties`` (martflow must ask per comment)."""
        self.recorded = Recordings(deployment)
        self.received: list[Received] = []
        self.faults: list[Fault] = []
        self.transitions = default_transitions(workflow)
        """status -> [(transition id, name, target status[, screen fields])] available from it."""
        self.aliases: dict[str, str] = {}
        """Old key -> current key: a moved issue answers to its old key with its new one."""
        secret = (
            "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
            if auth == "basic"
            else f"Bearer {token}"
        )
        self.expected_authorization = secret
        self.issues: dict[str, Issue] = {}
        self._next_issue = 10001
        self._next_comment = 20001
        self._next_link = 30001
        self._lock = threading.RLock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> FakeJira:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for fault in self.faults:
            if fault.gate is not None:
                fault.gate.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def cloud(self) -> bool:
        return self.deployment == "Cloud"

    # -- test controls -------------------------------------------------------------------

    def fail(self, method: str, path: str, **how: Any) -> None:
        """Queue a fault (see ``Fault``) for requests to ``/rest/api/{2,3}`` + ``path``."""
        with self._lock:
            self.faults.append(Fault(method, _ANY_API + path, **how))

    def captcha(self, method: str, path: str, times: int = 1) -> str:
        """The next requests get Jira's CAPTCHA refusal; returns the login URL it names."""
        login = f"{self.url}/login.jsp"
        headers = {
            "X-Authentication-Denied-Reason": f"CAPTCHA_CHALLENGE; login-url={login}",
            "X-Seraph-LoginReason": "AUTHENTICATION_DENIED",
            "Content-Type": "text/html;charset=UTF-8",
        }
        page = "<html><head><title>Unauthorized (401)</title></head><body>CAPTCHA</body></html>"
        self.fail(method, path, status=403, headers=headers, body=page, times=times)
        return login

    def add_issue(self, summary: str, description: Any = None, status: str | None = None) -> str:
        """Seed a ticket directly (e.g. with an ADF description); returns its key."""
        with self._lock:
            return self._create(summary, description, status or self.workflow[0]).key

    def add_comment_raw(self, key: str, body: Any, properties: list[dict[str, Any]]) -> str:
        """Seed a comment as another client (or an older martflow) posted it."""
        with self._lock:
            return str(self._store_comment(self.issues[key], body, properties)["id"])

    def requests_to(self, method: str, path: str, version: str | None = None) -> list[Received]:
        """Received requests with this method whose path fully matches the API root + ``path``."""
        root = f"/rest/api/{version}" if version else _ANY_API
        with self._lock:
            pattern = re.compile(root + path)
            return [r for r in self.received if r.method == method and pattern.fullmatch(r.path)]

    def comment_bodies(self, key: str) -> list[Any]:
        """The bodies as posted: ADF documents (Cloud) or wiki text (Data Center)."""
        with self._lock:
            return [c["body"] for c in self.issues[key].comments]

    def comment_properties(self, key: str) -> list[list[dict[str, Any]]]:
        with self._lock:
            return [c["properties"] for c in self.issues[key].comments]

    def link_urls(self, key: str) -> list[str]:
        """The urls of the ticket's remote links, oldest first."""
        with self._lock:
            return [link["object"]["url"] for link in self.issues[key].links]

    def status_of(self, key: str) -> str:
        with self._lock:
            return self.issues[key].status

    def fields_set(self, key: str) -> list[dict[str, Any]]:
        """The ``fields`` of every transition applied to the ticket, in order."""
        with self._lock:
            return list(self.issues[key].fields_set)

    # -- request handling ----------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Any:
        """Record, then answer; returns (fault or None, a function producing the answer)."""
        parts = urlsplit(raw_path)
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        query = parse_qs(parts.query)
        with self._lock:
            self.received.append(Received(method, parts.path, query, headers, parsed))
            fault = self._take_fault(method, parts.path)
        return fault, lambda: self._answer(method, parts.path, query, headers, parsed)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and re.fullmatch(fault.path, path):
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, Any]:
        with self._lock:
            if method == "GET" and path == "/login.jsp":
                return 200, LOGIN_PAGE
            try:
                version, route = _split(path)
                if version == "3" and not self.cloud:
                    raise HttpError(404, {"errorMessages": [f"null for uri: {path}"]})
                if (
                    route != "serverInfo"
                    and headers.get("authorization") != self.expected_authorization
                ):
                    raise HttpError(
                        401,
                        {
                            "errorMessages": [
                                "You are not authenticated. "
                                "Authentication required to perform this operation."
                            ]
                        },
                    )
                return self.route(method, version, route, query, body)
            except HttpError as error:
                return error.status, error.body


def _split(path: str) -> tuple[str, str]:
    match = re.fullmatch(r"/rest/api/(2|3)/(.+)", path)
    if match is None:
        raise HttpError(404, {"errorMessages": [f"no such path {path}"]})
    return match.group(1), match.group(2)


def _handler_for(server: FakeJira) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on ``received`` instead."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            fault, answer = server.handle(self.command, self.path, headers, body)
            if fault is None:
                self._send(*answer())
                return
            if fault.gate is not None:
                fault.gate.wait(timeout=30)
            if fault.apply_first:
                status, payload = answer()
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status is None:
                self._send(*(answer() if not fault.apply_first else (status, payload)))
                return
            self._send(fault.status, fault.body, fault.headers)

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = (
                payload.encode()
                if isinstance(payload, str)
                else b""
                if payload is None
                else json.dumps(payload).encode()
            )
            try:
                self.send_response(status)
                headers = headers or {}
                if "Content-Type" not in headers:
                    kind = "text/html" if isinstance(payload, str) else "application/json"
                    self.send_header("Content-Type", f"{kind};charset=UTF-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
