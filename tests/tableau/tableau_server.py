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
DATASOURCE_JOB = "9a373058-af5f-4f83-8662-98b3e0228a73"  # in datasource_publish_async.xml
WORKBOOK_JOB = "7c3d599e-949f-44c3-94a1-f30ba85757e4"  # in workbook_publish_async.xml
DATASOURCE_ID = "03b9fbec-81f6-4160-ae49-5f9f6d412758"  # in job_get_by_id_inprogress.xml
WORKBOOK_ID = "5998aaaf-1abe-4d38-b4d9-bc53e85bdd13"  # in job_get_by_id_failed_workbook.xml


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


def job_done(assets: Path, name: str, job_id: str, finish_code: int = 0) -> bytes:
    """A recorded job response, finished with ``finish_code`` (0: success, 1: failed)."""
    body = (assets / name).read_bytes()
    body = re.sub(rb'<job id="[^"]+"', f'<job id="{job_id}"'.encode(), body)
    body = re.sub(rb' finishCode="[0-9]+"', b"", body)
    if b"completedAt=" not in body:
        body = body.replace(b' startedAt="', b' completedAt="2021-10-05T18:54:00Z" startedAt="')
    return body.replace(b"<job ", f'<job finishCode="{finish_code}" '.encode(), 1)


def job_running(assets: Path, job_id: str) -> bytes:
    """The recorded in-progress job (no completedAt) under ``job_id``."""
    body = (assets / "job_get_by_id_inprogress.xml").read_bytes()
    return re.sub(rb'<job id="[^"]+"', f'<job id="{job_id}"'.encode(), body)


def default_routes(assets: Path) -> list[Route]:
    """The endpoints a publish uses, answered with TSC's own recorded responses.

    Publishing is asynchronous: each upload answers with a job, and the job, when
    asked, is finished and names the item it published.
    """

    def asset(name: str) -> bytes:
        return (assets / name).read_bytes()

    jobs = rf"{API}/sites/{SITE}/jobs"
    return [
        Route("POST", rf"{API}/auth/signin", 200, asset("auth_sign_in.xml")),
        Route("POST", rf"{API}/auth/signout", 204),
        Route("GET", rf"{API}/sites/{SITE}/projects", 200, asset("project_get.xml")),
        Route("POST", rf"{API}/sites/{SITE}/projects", 201, asset("project_create.xml")),
        Route(
            "POST", rf"{API}/sites/{SITE}/datasources", 202, asset("datasource_publish_async.xml")
        ),
        Route("POST", rf"{API}/sites/{SITE}/workbooks", 202, asset("workbook_publish_async.xml")),
        Route(
            "GET",
            rf"{jobs}/{DATASOURCE_JOB}",
            200,
            job_done(assets, "job_get_by_id_inprogress.xml", DATASOURCE_JOB),
        ),
        Route(
            "GET",
            rf"{jobs}/{WORKBOOK_JOB}",
            200,
            job_done(assets, "job_get_by_id_failed_workbook.xml", WORKBOOK_JOB),
        ),
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

    def assert_signed_in_once(self, secret: str, site: str = "Samples") -> None:
        """One token sign-in reached the server, with the token name, secret and site."""
        (sign_in,) = self.requests("POST", "/auth/signin")
        assert b'personalAccessTokenName="martflow-ci"' in sign_in.body
        assert f'personalAccessTokenSecret="{secret}"'.encode() in sign_in.body
        assert f'<site contentUrl="{site}"'.encode() in sign_in.body

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
