"""A loopback Tableau Server replaying TSC's recorded responses and recording every request."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.recorded import Received

SITE = "6b7179ba-b82b-4f0f-91ed-812074ac5da6"  # the site id in auth_sign_in.xml
API = r"/api/[0-9.]+"


@dataclass
class Route:
    """Method + path pattern -> status and body (a recorded asset or literal bytes)."""

    method: str
    pattern: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None
    """Answer this many requests, then fall through to the next route (None: always)."""
    hang: bool = False
    """Never answer (until the server stops): for client timeouts."""


def default_routes(assets: Path) -> list[Route]:
    """The endpoints a publish uses, answered with TSC's own recorded responses."""

    def asset(name: str) -> bytes:
        return (assets / name).read_bytes()

    return [
        Route("POST", rf"{API}/auth/signin", 200, asset("auth_sign_in.xml")),
        Route("POST", rf"{API}/auth/signout", 204),
        Route("GET", rf"{API}/sites/{SITE}/projects", 200, asset("project_get.xml")),
        Route("POST", rf"{API}/sites/{SITE}/projects", 201, asset("project_create.xml")),
        Route("POST", rf"{API}/sites/{SITE}/datasources", 201, asset("datasource_publish.xml")),
        Route("POST", rf"{API}/sites/{SITE}/workbooks", 201, asset("workbook_publish.xml")),
    ]


class TableauLoopback:
    """Serves ``routes`` on 127.0.0.1; ``fail()`` overrides a route; ``received`` logs all."""

    def __init__(self, assets: Path) -> None:
        self.routes = default_routes(assets)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(
        self,
        method: str,
        path_part: str,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        times: int | None = None,
        hang: bool = False,
    ) -> None:
        """Answer requests whose path ends with ``path_part`` with ``status`` and ``body``."""
        pattern = rf"{API}.*{re.escape(path_part)}"
        self.routes.insert(0, Route(method, pattern, status, body, headers or {}, times, hang))

    def requests(self, method: str, path_part: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.method == method and path_part in r.path]

    @contextmanager
    def running(self) -> Iterator[TableauLoopback]:
        thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stopping.set()
            self._server.shutdown()
            self._server.server_close()
            thread.join()

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Route:
        parts = urlsplit(target)
        with self._lock:
            self.received.append(Received(method, parts.path, parse_qs(parts.query), headers, body))
        with self._lock:
            for route in self.routes:
                if route.method == method and re.fullmatch(route.pattern, parts.path):
                    if route.times is not None:
                        route.times -= 1
                        if route.times == 0:
                            self.routes.remove(route)
                    return route
        return Route(method, "", 404, b"<tsResponse><error code='404000'/></tsResponse>")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                route = loopback._answer(self.command, self.path, headers, body)
                if route.hang:
                    loopback._stopping.wait()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", "application/xml")
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
