"""The loopback Jira's resources: issues, search pages, transitions with screens, comments.

Behaviour follows the real servers: Cloud pages ``/search/jql`` by ``nextPageToken`` and
answers the old ``/search`` with 410; Data Center pages ``/search`` by ``startAt`` and
caps the page size; v3 bodies are ADF (checked), v2 bodies wiki text; a transition
refuses missing required fields with Jira's ``errors``; comment properties are kept.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.integrations.jira_recorded import adf_as_wiki, adf_problems, jira_time, text_as_adf

if TYPE_CHECKING:
    from tests.integrations.jira_recorded import Recordings

WORKFLOW = ("To Do", "In Progress", "In Review", "Done")


class HttpError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


@dataclass
class Issue:
    id: int
    key: str
    summary: str
    description: Any
    status: str
    created: str
    comments: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    fields_set: list[dict[str, Any]] = field(default_factory=list)


def default_transitions(workflow: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """From every status to every other, with ids and names that say nothing of the target."""
    return {
        source: [
            (str(11 + 10 * n), f"Workflow step {n}", target)
            for n, target in enumerate(workflow)
            if target != source
        ]
        for source in workflow
    }


def _errors(**errors: str) -> dict[str, Any]:
    return {"errorMessages": [], "errors": errors}


class JiraResources:
    """Routing and resources; ``FakeJira`` provides the state and the HTTP server."""

    deployment: str
    project: str
    workflow: tuple[str, ...]
    comment_page_cap: int
    search_page_cap: int
    expands_comment_properties: bool
    recorded: Recordings
    transitions: dict[str, list[tuple[Any, ...]]]
    aliases: dict[str, str]
    issues: dict[str, Issue]
    _next_issue: int
    _next_comment: int
    _next_link: int

    @property
    def url(self) -> str:  # pragma: no cover - provided by FakeJira
        raise NotImplementedError

    @property
    def cloud(self) -> bool:  # pragma: no cover - provided by FakeJira
        raise NotImplementedError

    def route(
        self, method: str, version: str, route: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        issue_route = re.fullmatch(r"issue/([^/]+)(?:/(transitions|comment|remotelink))?", route)
        if method == "GET" and route == "serverInfo":
            return 200, self.recorded.server_info
        if method == "GET" and route == "myself":
            return 200, self.recorded.myself
        if method == "GET" and route == "field":
            return 200, self.recorded.fields
        if method == "GET" and route in ("search", "search/jql"):
            return self._search(version, route, query)
        if method == "POST" and route == "issue":
            return self._post_issue(version, body)
        project = re.fullmatch(r"project/([^/]+)(/statuses)?", route)
        if method == "GET" and project:
            return self._project(project.group(1), bool(project.group(2)))
        prop = re.fullmatch(r"comment/([^/]+)/properties/([^/]+)", route)
        if method == "GET" and prop:
            return self._comment_property(prop.group(1), prop.group(2))
        if issue_route:
            issue = self._issue(issue_route.group(1))
            return self._issue_route(method, version, issue, issue_route.group(2), query, body)
        raise HttpError(404, {"errorMessages": [f"null for uri: /rest/api/{version}/{route}"]})

    # -- issues ----------------------------------------------------------------------------

    def _issue(self, key: str) -> Issue:
        wanted = key.upper()
        issue = self.issues.get(self.aliases.get(wanted, wanted))
        if issue is None:
            raise HttpError(
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
        self,
        method: str,
        version: str,
        issue: Issue,
        sub: str | None,
        query: dict[str, list[str]],
        body: Any,
    ) -> tuple[int, Any]:
        if sub is None and method == "GET":
            return 200, self._issue_json(issue, _fields(query), version)
        if sub == "transitions" and method == "GET":
            expand = "transitions.fields" in ",".join(query.get("expand", []))
            return 200, {"expand": "transitions", "transitions": self._transitions(issue, expand)}
        if sub == "transitions" and method == "POST":
            return self._do_transition(issue, body)
        if sub == "comment" and method == "GET":
            return 200, self._comment_page(issue, version, query)
        if sub == "comment" and method == "POST":
            return self._post_comment(issue, version, body)
        if sub == "remotelink" and method == "GET":
            return 200, issue.links
        if sub == "remotelink" and method == "POST":
            return self._post_link(issue, body)
        raise HttpError(405, {"errorMessages": [f"{method} not allowed"]})

    def _issue_json(self, issue: Issue, wanted: set[str] | None, version: str) -> dict[str, Any]:
        raw = copy.deepcopy(self.recorded.issue)
        raw.update(id=str(issue.id), key=issue.key, self=f"{self.url}/rest/api/2/issue/{issue.id}")
        fields = raw["fields"]
        fields.pop("comment", None)
        fields.update(
            summary=issue.summary,
            description=_in_version(issue.description, version),
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

    def _post_issue(self, version: str, body: Any) -> tuple[int, Any]:
        fields = (body or {}).get("fields") or {}
        errors = {}
        if (fields.get("project") or {}).get("key") != self.project:
            errors["project"] = "valid project is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        if (fields.get("issuetype") or {}).get("name") != "Task":
            errors["issuetype"] = "The issue type selected is invalid."
        description = fields.get("description")
        if description is not None and version == "3" and adf_problems(description):
            errors["description"] = "Operation value must be an Atlassian Document"
        if errors:
            raise HttpError(400, {"errorMessages": [], "errors": errors})
        issue = self._create(fields["summary"], description, self.workflow[0])
        created = copy.deepcopy(self.recorded.created)
        created.update(
            id=str(issue.id), key=issue.key, self=f"{self.url}/rest/api/2/issue/{issue.id}"
        )
        return 201, created

    def _create(self, summary: str, description: Any, status: str) -> Issue:
        number = len(self.issues) + 1
        issue = Issue(
            self._next_issue, f"{self.project}-{number}", summary, description, status, jira_time()
        )
        self._next_issue += 1
        self.issues[issue.key] = issue
        return issue

    def _project(self, key: str, statuses: bool) -> tuple[int, Any]:
        if key != self.project:
            raise HttpError(
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

    # -- search ----------------------------------------------------------------------------

    def _search(self, version: str, route: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if self.cloud and route == "search":
            raise HttpError(
                410,
                {
                    "errorMessages": [
                        "The requested API has been removed. "
                        "Please migrate to the /rest/api/3/search/jql API."
                    ]
                },
            )
        if not self.cloud and route == "search/jql":
            raise HttpError(404, {"errorMessages": ["null for uri"]})
        issues = self._jql(query.get("jql", [""])[0])
        wanted = _fields(query)
        size = min(int(query.get("maxResults", ["50"])[0]), self.search_page_cap)
        if self.cloud:
            token = query.get("nextPageToken", [""])[0]
            start = int(token.removeprefix("page-at-")) if token else 0
            page = issues[start : start + size]
            result: dict[str, Any] = {
                "issues": [self._issue_json(i, wanted, version) for i in page]
            }
            more = start + size < len(issues)
            result["isLast"] = not more
            if more:
                result["nextPageToken"] = f"page-at-{start + size}"
            return 200, result
        start = int(query.get("startAt", ["0"])[0])
        page = issues[start : start + size]
        return 200, {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(issues),
            "issues": [self._issue_json(i, wanted, version) for i in page],
        }

    def _jql(self, jql: str) -> list[Issue]:
        """A sliver of JQL: ``project = K``, ``status = "S"`` joined by AND, ORDER BY created."""
        match = re.fullmatch(r"\s*(.*?)\s*(?:ORDER BY created (ASC|DESC))?\s*", jql, re.IGNORECASE)
        assert match is not None
        clauses = [c for c in re.split(r"\s+AND\s+", match.group(1), flags=re.IGNORECASE) if c]
        issues = list(self.issues.values())
        for clause in clauses:
            term = re.fullmatch(
                r"(project|status)\s*=\s*\"?([^\"]+?)\"?", clause.strip(), re.IGNORECASE
            )
            if term is None:
                raise HttpError(
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

    # -- transitions -----------------------------------------------------------------------

    def _transitions(self, issue: Issue, with_fields: bool) -> list[dict[str, Any]]:
        result = []
        for tid, name, target, *screen in self.transitions.get(issue.status, []):
            transition = copy.deepcopy(self.recorded.transition)
            transition.update(id=tid, name=name, to=self._status_json(target))
            transition["hasScreen"] = bool(screen and screen[0])
            if with_fields:
                transition["fields"] = copy.deepcopy(screen[0]) if screen else {}
            result.append(transition)
        return result

    def _do_transition(self, issue: Issue, body: Any) -> tuple[int, Any]:
        wanted = str(((body or {}).get("transition") or {}).get("id", ""))
        given = (body or {}).get("fields") or {}
        for tid, _name, target, *screen in self.transitions.get(issue.status, []):
            if tid != wanted:
                continue
            fields = screen[0] if screen else {}
            errors = _field_errors(fields, given)
            if errors:
                raise HttpError(400, _errors(**errors))
            issue.status = target
            issue.fields_set.append(dict(given))
            return 204, None
        raise HttpError(
            400,
            {
                "errorMessages": [f"Transition id '{wanted}' is not valid for this issue."],
                "errors": {},
            },
        )

    # -- comments ----------------------------------------------------------------------------

    def _comment_page(
        self, issue: Issue, version: str, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        start = int(query.get("startAt", ["0"])[0])
        size = min(int(query.get("maxResults", ["50"])[0]), self.comment_page_cap)
        expand = ",".join(query.get("expand", [])).split(",")
        comments = []
        for stored in issue.comments[start : start + size]:
            shown = {k: v for k, v in stored.items() if k != "properties"}
            shown["body"] = _in_version(stored["body"], version)
            if "properties" in expand and self.expands_comment_properties:
                shown["properties"] = copy.deepcopy(stored["properties"])
            comments.append(shown)
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(issue.comments),
            "comments": comments,
        }

    def _post_comment(self, issue: Issue, version: str, body: Any) -> tuple[int, Any]:
        text = (body or {}).get("body")
        if version == "3":
            problems = adf_problems(text)
            if problems:
                raise HttpError(
                    400,
                    _errors(
                        comment="Operation value must be an Atlassian Document: "
                        + "; ".join(problems)
                    ),
                )
        elif not isinstance(text, str) or not text.strip():
            raise HttpError(400, _errors(comment="Comment body can not be empty!"))
        properties = (body or {}).get("properties") or []
        if not all(isinstance(p, dict) and p.get("key") and "value" in p for p in properties):
            raise HttpError(400, _errors(properties="A property needs a key and a value."))
        comment = self._store_comment(issue, text, properties)
        return 201, {k: v for k, v in comment.items() if k != "properties"}

    def _store_comment(self, issue: Issue, body: Any, properties: list[Any]) -> dict[str, Any]:
        comment = copy.deepcopy(self.recorded.comment)
        comment_id = str(self._next_comment)
        self._next_comment += 1
        now = jira_time()
        comment.update(
            id=comment_id,
            body=body,
            created=now,
            updated=now,
            self=f"{self.url}/rest/api/2/issue/{issue.id}/comment/{comment_id}",
            properties=copy.deepcopy(properties),
        )
        issue.comments.append(comment)
        return comment

    def _comment_property(self, comment_id: str, key: str) -> tuple[int, Any]:
        for issue in self.issues.values():
            for comment in issue.comments:
                if comment["id"] != comment_id:
                    continue
                for prop in comment["properties"]:
                    if prop["key"] == key:
                        found = copy.deepcopy(self.recorded.property)
                        found.update(key=key, value=prop["value"])
                        return 200, found
                raise HttpError(
                    404, {"errorMessages": [f"The property with key '{key}' does not exist."]}
                )
        raise HttpError(404, {"errorMessages": ["Can not find a comment for the id."]})

    # -- links -------------------------------------------------------------------------------

    def _post_link(self, issue: Issue, body: Any) -> tuple[int, Any]:
        target = (body or {}).get("object") or {}
        if not target.get("url") or not target.get("title"):
            raise HttpError(400, _errors(object="url and title are required"))
        link = copy.deepcopy(self.recorded.remote_link)
        link.update(id=self._next_link, object=target, globalId=f"system={target['url']}")
        self._next_link += 1
        issue.links.append(link)
        return 201, {
            "id": link["id"],
            "self": f"{self.url}/rest/api/2/issue/{issue.key}/remotelink/{link['id']}",
        }


def _in_version(value: Any, version: str) -> Any:
    """A stored body as that API version shows it: v3 ADF, v2 wiki text."""
    if version == "3" and isinstance(value, str):
        return text_as_adf(value)
    if version == "2" and isinstance(value, dict):
        return adf_as_wiki(value).strip()
    return value


def _field_errors(screen: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """Jira's ``errors`` for a transition's ``fields``: unknown, missing or invalid values."""
    errors: dict[str, str] = {}
    for name in given:
        if name not in screen:
            errors[name] = (
                f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
            )
    for name, meta in screen.items():
        value = given.get(name)
        if value is None:
            if meta.get("required") and not meta.get("hasDefaultValue"):
                errors[name] = f"{meta.get('name', name)} is required."
            continue
        allowed = meta.get("allowedValues") or []
        if allowed and isinstance(value, dict):
            ids = {str(a.get("id")) for a in allowed}
            names = {str(a.get("name") or a.get("value")) for a in allowed}
            if str(value.get("id")) not in ids and str(value.get("name")) not in names:
                errors[name] = f"Could not find valid 'id' or 'name' in {name} object."
    return errors


def _fields(query: dict[str, list[str]]) -> set[str] | None:
    values = [part for value in query.get("fields", []) for part in value.split(",") if part]
    if not values or "*all" in values:
        return None
    return set(values)
