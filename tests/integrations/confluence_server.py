"""A loopback Confluence (REST v1) on pytest-httpserver: pages, content properties, faults.

It keeps pages the way Confluence does: titles unique per space, a version number that
a PUT must raise by one, content properties with their own versions, and a storage body
rewritten on save (so a client comparing bodies sees a change every time). Every
request is recorded; ``faults`` answer the next matching requests with an error, or
apply the write and then fail (an ambiguous write), or answer too late (a timeout).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SPACE = "DATA"
PARENT = "4242"


@dataclass
class Fault:
    """Answer the next request matching ``method`` and ``path`` (a regex) with ``status``."""

    method: str
    path: str
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    apply_first: bool = False
    """Do the write, then answer ``status`` (the client cannot know it landed)."""
    delay: float = 0.0
    """Do the write, then wait this long before answering (a client timeout)."""


@dataclass
class Page:
    id: str
    title: str
    body: str
    version: int = 1
    message: str = ""
    ancestors: list[str] = field(default_factory=list)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)


class ConfluenceLoopback:
    """The fake's state and its request log."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.pages: dict[str, Page] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, Any]] = []
        self._next_id = 1000
        self.parent = Page(PARENT, "Data dictionaries", "<p>Our marts</p>")
        self.pages[PARENT] = self.parent
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def dictionaries(self) -> list[Page]:
        """Every page but the parent."""
        return [p for p in self.pages.values() if p.id != PARENT]

    def writes(self) -> list[tuple[str, str]]:
        """(method, path) of every POST and PUT received, in order."""
        return [(m, p) for m, p, _ in self.requests if m in {"POST", "PUT"}]

    def add_page(self, title: str, body: str = "<p>theirs</p>", **props: Any) -> Page:
        """A page someone else made (``props``: content properties by key)."""
        page = Page(self._new_id(), title, body, ancestors=[PARENT])
        page.properties = {
            k: {"key": k, "value": v, "version": {"number": 1}} for k, v in props.items()
        }
        self.pages[page.id] = page
        return page

    # -- dispatch --------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"null")
        self.requests.append((request.method, request.path, body))
        fault = next(
            (
                f
                for f in self.faults
                if f.method == request.method and re.fullmatch(f.path, request.path)
            ),
            None,
        )
        if fault is not None:
            self.faults.remove(fault)
            if not (fault.apply_first or fault.delay):
                return _json({"message": f"injected {fault.status}"}, fault.status, fault.headers)
            answer = self._route(request, body)
            if fault.delay:
                time.sleep(fault.delay)
                return answer
            return _json({"message": f"injected {fault.status}"}, fault.status, fault.headers)
        return self._route(request, body)

    def _route(self, request: Request, body: Any) -> Response:
        path, method = request.path, request.method
        if path.startswith("/rest/api/space/"):
            key = path.rsplit("/", 1)[-1]
            if key != SPACE:
                return _json({"message": f"No space with key : {key}"}, 404)
            return _json({"key": SPACE, "name": "Data team"})
        if path == "/rest/api/content" and method == "GET":
            return self._by_title(request)
        if path == "/rest/api/content" and method == "POST":
            return self._create(body)
        match = re.fullmatch(r"/rest/api/content/(\d+)(/.*)?", path)
        if not match or match.group(1) not in self.pages:
            return _json({"message": "No content found"}, 404)
        page, rest = self.pages[match.group(1)], match.group(2) or ""
        expand = request.args.get("expand", "")
        if rest == "/child/page":
            children = [p for p in self.pages.values() if page.id in p.ancestors]
            start, limit = int(request.args.get("start", 0)), int(request.args.get("limit", 25))
            chunk = children[start : start + limit]
            links = {"next": "/more"} if start + limit < len(children) else {}
            return _json({"results": [self._view(p, expand) for p in chunk], "_links": links})
        if rest == "" and method == "GET":
            return _json(self._view(page, expand))
        if rest == "" and method == "PUT":
            return self._update(page, body)
        if rest.startswith("/property"):
            return self._property(page, method, rest, body)
        return _json({"message": "unsupported"}, 405)

    # -- content -----------------------------------------------------------------------------

    def _by_title(self, request: Request) -> Response:
        space, title = request.args.get("spaceKey"), request.args.get("title")
        found = [p for p in self.pages.values() if p.title == title and space == SPACE]
        expand = request.args.get("expand", "")
        return _json({"results": [self._view(p, expand) for p in found], "size": len(found)})

    def _create(self, body: dict[str, Any]) -> Response:
        if body["space"]["key"] != SPACE:
            return _json({"message": "No space"}, 404)
        if any(p.title == body["title"] for p in self.pages.values()):
            return _json(
                {"statusCode": 400, "message": "A page with this title already exists"}, 400
            )
        page = Page(
            self._new_id(),
            body["title"],
            _rewrite(body["body"]["storage"]["value"]),
            message=(body.get("version") or {}).get("message", ""),
            ancestors=[a["id"] for a in body.get("ancestors") or []],
        )
        for key, prop in ((body.get("metadata") or {}).get("properties") or {}).items():
            page.properties[key] = {"key": key, "value": prop["value"], "version": {"number": 1}}
        self.pages[page.id] = page
        return _json(self._view(page, ""))

    def _update(self, page: Page, body: dict[str, Any]) -> Response:
        wanted = body["version"]["number"]
        if wanted != page.version + 1:
            return _json({"message": f"Version must be incremented: {wanted}"}, 409)
        page.version, page.message = wanted, body["version"].get("message", "")
        page.title, page.body = body["title"], _rewrite(body["body"]["storage"]["value"])
        return _json(self._view(page, ""))

    def _property(self, page: Page, method: str, rest: str, body: Any) -> Response:
        key = rest.removeprefix("/property").strip("/")
        if method == "POST":
            if body["key"] in page.properties:
                return _json({"message": "property exists"}, 409)
            page.properties[body["key"]] = {**body, "version": {"number": 1}}
            return _json(page.properties[body["key"]])
        if key not in page.properties:
            return _json({"message": "No property"}, 404)
        if method == "GET":
            return _json(page.properties[key])
        current = page.properties[key]["version"]["number"]
        if body["version"]["number"] != current + 1:
            return _json({"message": "property version conflict"}, 409)
        page.properties[key] = {"key": key, "value": body["value"], "version": body["version"]}
        return _json(page.properties[key])

    def _view(self, page: Page, expand: str) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": page.id,
            "type": "page",
            "title": page.title,
            "_links": {"webui": f"/spaces/{SPACE}/pages/{page.id}", "base": self.url},
        }
        if "version" in expand.split(","):
            view["version"] = {"number": page.version, "message": page.message}
        wanted = [
            e.split(".", 2)[2] for e in expand.split(",") if e.startswith("metadata.properties.")
        ]
        if wanted:
            view["metadata"] = {
                "properties": {k: page.properties[k] for k in wanted if k in page.properties}
            }
        return view

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)


def _rewrite(body: str) -> str:
    """What Confluence does to a stored body: the same content, other bytes."""
    return body.replace("<ul>", '<ul class="stored">').replace("</p>", "</p>\n")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status, headers, content_type="application/json")
