"""A small stateful Jira on 127.0.0.1 for the real ``jira`` client to talk to.

It answers in the payload shapes recorded from real servers (``../shared/ext``: Jira
Server v2 from jira-ruby, Jira Cloud v2 from atlassian-python-api, Cloud examples from
Atlassian's OpenAPI spec), keeps its own tickets, transitions, comments and links,
RECORDS every request, and can be told to misbehave (status codes, Retry-After, slow
answers, a dropped connection after applying a write).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.recorded import Received, ext_path

API = "/rest/api/2"
WORKFLOW = ("To Do", "In Progress", "In Review", "Done")


def load_json(*parts: str) -> Any:
    return json.loads(ext_path(*parts).read_text(encoding="utf-8"))


def _python_api(path: str, index: int = 0) -> Any:
    """A response body from the atlassian-python-api Cloud recordings."""
    stub = load_json("jira_atlassian_python_api", "json", "jira", *path.split("/"))
    return stub["responses"][index]["body"]


class Recordings:
    """The recorded bodies the server adapts, per deployment type."""

    def __init__(self, deployment: str) -> None:
        ruby = "jira_ruby_mock_responses"
        cloud = deployment == "Cloud"
        if cloud:
            self.issue = _python_api("rest/api/2/issue/FOO-123/GET.json")
            self.comment = _python_api("rest/api/2/issue/FOO-123/comment/GET.json")["comments"][0]
            self.myself = load_json("jira_cloud_openapi", "examples", "getCurrentUser__200.json")
        else:
            self.issue = load_json(ruby, "issue", "10002.json")
            self.comment = load_json(ruby, "issue", "10002", "comment.post.json")
            self.myself = load_json(ruby, "user_accountId=1234567890abcdef01234567.json")
        self.server_info = load_json("jira_cloud_openapi", "examples", "getServerInfo__200.json")
        self.server_info["deploymentType"] = deployment
        self.transition = load_json(ruby, "issue", "10002", "transitions.json")["transitions"][0]
        self.project = load_json(ruby, "project", "SAMPLEPROJECT.json")
        self.issue_types = load_json("jira_cloud_openapi", "examples", "getAllStatuses__200.json")
        # The recording numbers system fields ("2" for summary); real Jira uses the name.
        self.fields = [
            {**f, "id": (f.get("schema") or {}).get("system") or f["id"]}
            for f in load_json(ruby, "field.json")
        ]
        self.created = load_json(ruby, "issue.post.json")
        self.remote_link = _python_api("rest/api/2/issue/FOO-123/remotelink/GET.json")[0]
        self.bad_request = load_json(ruby, "issue", "10002.invalid.put.json")


@dataclass
class Fault:
    """Misbehave on the next ``times`` requests matching ``method`` and ``path`` (a regex)."""

    method: str
    path: str
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False
    apply_first: bool = False
    delay: float = 0.0


@dataclass
class _Issue:
    id: int
    key: str
    summary: str
    description: Any
    status: str
    created: str
    comments: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)


def jira_time(when: datetime | None = None) -> str:
    """A timestamp the way Jira writes it: ``2024-05-01T10:02:14.430+0000``."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _HttpError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class FakeJira:
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
    ) -> None:
        self.deployment = deployment
        self.project = project
        self.workflow = workflow
        self.comment_page_cap = comment_page_cap
        self.recorded = Recordings(deployment)
        self.received: list[Received] = []
        self.faults: list[Fault] = []
        self.transitions: dict[str, list[tuple[str, str, str]]] = _default_transitions(workflow)
        """status -> [(transition id, transition name, target status)] available from it."""
        self.aliases: dict[str, str] = {}
        """Old key -> current key: a moved issue answers to its old key with its new one."""
        secret = (
            "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
            if auth == "basic"
            else f"Bearer {token}"
        )
        self.expected_authorization = secret
        self._issues: dict[str, _Issue] = {}
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
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- test controls -------------------------------------------------------------------

    def fail(self, method: str, path: str, **how: Any) -> None:
        """Queue a fault (see ``Fault``) for requests to ``API + path``."""
        with self._lock:
            self.faults.append(Fault(method, API + path, **how))

    def add_issue(self, summary: str, description: Any = None, status: str | None = None) -> str:
        """Seed a ticket directly (e.g. with an ADF description); returns its key."""
        with self._lock:
            return self._create(summary, description, status or self.workflow[0]).key

    def requests_to(self, method: str, path: str) -> list[Received]:
        """Received requests with this method whose path fully matches ``API + path``."""
        with self._lock:
            pattern = re.compile(API + path)
            return [r for r in self.received if r.method == method and pattern.fullmatch(r.path)]

    def comment_bodies(self, key: str) -> list[str]:
        with self._lock:
            return [c["body"] for c in self._issues[key].comments]

    def link_urls(self, key: str) -> list[str]:
        """The urls of the ticket's remote links, oldest first."""
        with self._lock:
            return [link["object"]["url"] for link in self._issues[key].links]

    def status_of(self, key: str) -> str:
        with self._lock:
            return self._issues[key].status

    # -- request handling ----------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Any:
        """Record, then answer; returns (status, headers, body) or a Fault to act on."""
        parts = urlsplit(raw_path)
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        with self._lock:
            self.received.append(
                Received(method, parts.path, parse_qs(parts.query), headers, parsed)
            )
            fault = self._take_fault(method, parts.path)
        return fault, lambda: self._answer(
            method, parts.path, parse_qs(parts.query), headers, parsed
        )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and re.fullmatch(fault.path, path):
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
            try:
                if not path.startswith(API + "/"):
                    raise _HttpError(404, {"errorMessages": [f"no such path {path}"]})
                route = path[len(API) + 1 :]
                if (
                    route != "serverInfo"
                    and headers.get("authorization") != self.expected_authorization
                ):
                    raise _HttpError(
                        401,
                        {
                            "errorMessages": [
                                "You are not authenticated. "
                                "Authentication required to perform this operation."
                            ]
                        },
                    )
                return self._route(method, route, query, body)
            except _HttpError as error:
                return error.status, error.body

    def _route(
        self, method: str, route: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        issue_route = re.fullmatch(r"issue/([^/]+)(?:/(transitions|comment|remotelink))?", route)
        if method == "GET" and route == "serverInfo":
            return 200, self.recorded.server_info
        if method == "GET" and route == "myself":
            return 200, self.recorded.myself
        if method == "GET" and route == "field":
            return 200, self.recorded.fields
        if method == "GET" and route in ("search", "search/jql"):
            return self._search(route, query)
        if method == "POST" and route == "issue":
            return self._post_issue(body)
        project = re.fullmatch(r"project/([^/]+)(/statuses)?", route)
        if method == "GET" and project:
            return self._project(project.group(1), bool(project.group(2)))
        if issue_route:
            issue = self._issue(issue_route.group(1))
            return self._issue_route(method, issue, issue_route.group(2), query, body)
        raise _HttpError(404, {"errorMessages": [f"null for uri: {API}/{route}"]})

    # -- resources -----------------------------------------------------------------------

    def _issue(self, key: str) -> _Issue:
        wanted = key.upper()
        issue = self._issues.get(self.aliases.get(wanted, wanted))
        if issue is None:
            raise _HttpError(
                404,
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ],
                    "errors": {},
                },
            )
        return issue

    def _issue_route(
        self, method: str, issue: _Issue, sub: str | None, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if sub is None and method == "GET":
            return 200, self._issue_json(issue, _fields(query))
        if sub == "transitions" and method == "GET":
            return 200, {"expand": "transitions", "transitions": self._transitions_json(issue)}
        if sub == "transitions" and method == "POST":
            return self._do_transition(issue, body)
        if sub == "comment" and method == "GET":
            return 200, self._comment_page(issue, query)
        if sub == "comment" and method == "POST":
            return self._post_comment(issue, body)
        if sub == "remotelink" and method == "GET":
            return 200, issue.links
        if sub == "remotelink" and method == "POST":
            return self._post_link(issue, body)
        raise _HttpError(405, {"errorMessages": [f"{method} not allowed"]})

    def _issue_json(self, issue: _Issue, wanted: set[str] | None) -> dict[str, Any]:
        raw = copy.deepcopy(self.recorded.issue)
        raw.update(id=str(issue.id), key=issue.key, self=f"{self.url}{API}/issue/{issue.id}")
        fields = raw["fields"]
        fields.pop("comment", None)
        fields.update(
            summary=issue.summary,
            description=issue.description,
            created=issue.created,
            updated=issue.created,
            status=self._status_json(issue.status),
        )
        if wanted is not None:
            raw["fields"] = {k: v for k, v in fields.items() if k in wanted}
        return raw

    def _status_json(self, name: str) -> dict[str, Any]:
        status = copy.deepcopy(self.recorded.transition["to"])
        number = self.workflow.index(name) + 1 if name in self.workflow else 99
        status.update(name=name, id=str(10000 + number))
        return status

    def _transitions_json(self, issue: _Issue) -> list[dict[str, Any]]:
        result = []
        for tid, name, target in self.transitions.get(issue.status, []):
            transition = copy.deepcopy(self.recorded.transition)
            transition.update(id=tid, name=name, to=self._status_json(target))
            result.append(transition)
        return result

    def _do_transition(self, issue: _Issue, body: Any) -> tuple[int, Any]:
        wanted = str(((body or {}).get("transition") or {}).get("id", ""))
        for tid, _name, target in self.transitions.get(issue.status, []):
            if tid == wanted:
                issue.status = target
                return 204, None
        raise _HttpError(
            400,
            {
                "errorMessages": [f"Transition id '{wanted}' is not valid for this issue."],
                "errors": {},
            },
        )

    def _comment_page(self, issue: _Issue, query: dict[str, list[str]]) -> dict[str, Any]:
        start = int(query.get("startAt", ["0"])[0])
        size = min(int(query.get("maxResults", ["50"])[0]), self.comment_page_cap)
        page = issue.comments[start : start + size]
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(issue.comments),
            "comments": page,
        }

    def _post_comment(self, issue: _Issue, body: Any) -> tuple[int, Any]:
        text = (body or {}).get("body")
        if not isinstance(text, str) or not text.strip():
            raise _HttpError(
                400, {"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}}
            )
        comment = copy.deepcopy(self.recorded.comment)
        comment_id = str(self._next_comment)
        self._next_comment += 1
        now = jira_time()
        comment.update(
            id=comment_id,
            body=text,
            created=now,
            updated=now,
            self=f"{self.url}{API}/issue/{issue.id}/comment/{comment_id}",
        )
        issue.comments.append(comment)
        return 201, comment

    def _post_link(self, issue: _Issue, body: Any) -> tuple[int, Any]:
        target = (body or {}).get("object") or {}
        if not target.get("url") or not target.get("title"):
            raise _HttpError(
                400, {"errorMessages": [], "errors": {"object": "url and title are required"}}
            )
        link = copy.deepcopy(self.recorded.remote_link)
        link.update(id=self._next_link, object=target, globalId=f"system={target['url']}")
        self._next_link += 1
        issue.links.append(link)
        return 201, {
            "id": link["id"],
            "self": f"{self.url}{API}/issue/{issue.key}/remotelink/{link['id']}",
        }

    def _post_issue(self, body: Any) -> tuple[int, Any]:
        fields = (body or {}).get("fields") or {}
        errors = {}
        if (fields.get("project") or {}).get("key") != self.project:
            errors["project"] = "valid project is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        if (fields.get("issuetype") or {}).get("name") != "Task":
            errors["issuetype"] = "The issue type selected is invalid."
        if errors:
            raise _HttpError(400, {"errorMessages": [], "errors": errors})
        issue = self._create(fields["summary"], fields.get("description"), self.workflow[0])
        created = copy.deepcopy(self.recorded.created)
        created.update(id=str(issue.id), key=issue.key, self=f"{self.url}{API}/issue/{issue.id}")
        return 201, created

    def _create(self, summary: str, description: Any, status: str) -> _Issue:
        number = len(self._issues) + 1
        issue = _Issue(
            self._next_issue, f"{self.project}-{number}", summary, description, status, jira_time()
        )
        self._next_issue += 1
        self._issues[issue.key] = issue
        return issue

    def _project(self, key: str, statuses: bool) -> tuple[int, Any]:
        if key != self.project:
            raise _HttpError(
                404,
                {"errorMessages": [f"No project could be found with key '{key}'."], "errors": {}},
            )
        if not statuses:
            project = copy.deepcopy(self.recorded.project)
            project.update(key=key, name="Demo analytics")
            return 200, project
        issue_type = copy.deepcopy(self.recorded.issue_types[0])
        template = issue_type["statuses"][0]
        issue_type["statuses"] = [
            {**template, "name": name, "id": str(10000 + n)}
            for n, name in enumerate(self.workflow, 1)
        ]
        return 200, [issue_type]

    def _search(self, route: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        cloud = self.deployment == "Cloud"
        if cloud and route == "search":
            raise _HttpError(
                410,
                {
                    "errorMessages": [
                        "The requested API has been removed. "
                        "Please migrate to the /rest/api/3/search/jql API."
                    ]
                },
            )
        if not cloud and route == "search/jql":
            raise _HttpError(404, {"errorMessages": ["null for uri"]})
        issues = self._jql(query.get("jql", [""])[0])
        wanted = _fields(query)
        size = int(query.get("maxResults", ["50"])[0])
        if cloud:
            start = int(query.get("nextPageToken", ["0"])[0])
            page = issues[start : start + size]
            result: dict[str, Any] = {"issues": [self._issue_json(i, wanted) for i in page]}
            more = start + size < len(issues)
            result["isLast"] = not more
            if more:
                result["nextPageToken"] = str(start + size)
            return 200, result
        start = int(query.get("startAt", ["0"])[0])
        page = issues[start : start + size]
        return 200, {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(issues),
            "issues": [self._issue_json(i, wanted) for i in page],
        }

    def _jql(self, jql: str) -> list[_Issue]:
        """A sliver of JQL: ``project = K``, ``status = "S"`` joined by AND, ORDER BY created."""
        match = re.fullmatch(r"\s*(.*?)\s*(?:ORDER BY created (ASC|DESC))?\s*", jql, re.IGNORECASE)
        assert match is not None
        clauses = [c for c in re.split(r"\s+AND\s+", match.group(1), flags=re.IGNORECASE) if c]
        issues = list(self._issues.values())
        for clause in clauses:
            term = re.fullmatch(
                r"(project|status)\s*=\s*\"?([^\"]+?)\"?", clause.strip(), re.IGNORECASE
            )
            if term is None:
                raise _HttpError(
                    400,
                    {
                        "errorMessages": [f"Error in the JQL Query: cannot parse '{clause}'."],
                        "errors": {},
                    },
                )
            name, value = term.group(1).lower(), term.group(2).casefold()
            if name == "project":
                issues = [i for i in issues if i.key.rsplit("-", 1)[0].casefold() == value]
            else:
                issues = [i for i in issues if i.status.casefold() == value]
        descending = (match.group(2) or "DESC").upper() == "DESC"
        return sorted(issues, key=lambda i: (i.created, i.id), reverse=descending)


def _fields(query: dict[str, list[str]]) -> set[str] | None:
    values = [part for value in query.get("fields", []) for part in value.split(",") if part]
    if not values or "*all" in values:
        return None
    return set(values)


def _default_transitions(workflow: tuple[str, ...]) -> dict[str, list[tuple[str, str, str]]]:
    """From every status to every other, with ids and names that say nothing of the target."""
    return {
        source: [
            (str(11 + 10 * n), f"Workflow step {n}", target)
            for n, target in enumerate(workflow)
            if target != source
        ]
        for source in workflow
    }


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
                if "Content-Type" not in headers and not isinstance(payload, str):
                    self.send_header("Content-Type", "application/json;charset=UTF-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
