"""JiraTracker: the Tracker port on the ``jira`` library, for Jira Cloud and Data Center."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from martflow.core.document import Document
from martflow.core.models import Comment, Ticket
from martflow.core.ports import DoctorLine, TransitionResult
from martflow.errors import ConfigError, RemoteRejectedError, UsageError
from martflow.integrations.tracker import jira_records as records
from martflow.integrations.tracker.jira_adf import to_adf
from martflow.integrations.tracker.jira_comments import PROPERTY_KEY, comment_request, op_of
from martflow.integrations.tracker.jira_connection import TOKEN_ENV, JiraConnection
from martflow.integrations.tracker.jira_doctor import run_doctor
from martflow.integrations.tracker.jira_errors import CallSite
from martflow.integrations.tracker.jira_search import PAGE_SIZE, offset_pages, token_pages
from martflow.integrations.tracker.jira_text import valid_op_id
from martflow.integrations.tracker.jira_transitions import plan_transition, values_for
from martflow.integrations.tracker.jira_wiki import to_wiki

if TYPE_CHECKING:
    from martflow.secrets import SecretStore

__all__ = ["TOKEN_ENV", "JiraTracker"]

_COMMENT_PAGE = 100
_MAX_COMMENT_PAGES = 200


class JiraTracker:
    """A ``Tracker`` on Jira Cloud (user + API token, basic auth) or Data Center (PAT, bearer).

    Every failure surfaces as a ``martflow.errors`` error; no call retries by itself
    (see ``JiraConnection``). Cloud is spoken to through REST v3 with ADF comments,
    Data Center through v2 with wiki comments.
    """

    def __init__(
        self,
        url: str,
        project: str,
        token: str,
        *,
        user: str = "",
        auth: Literal["basic", "bearer"] = "basic",
        jql: str = "",
        timeout: float = 30.0,
        issue_type: str = "Task",
        wanted_statuses: Sequence[str] = (),
        transition_fields: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.jql = jql or f"project = {project} ORDER BY created DESC"
        self.issue_type = issue_type
        self.wanted_statuses = tuple(dict.fromkeys(s for s in wanted_statuses if s))
        self.transition_fields = dict(transition_fields or {})
        self._connection = JiraConnection(
            self.url,
            token,
            user=user,
            auth=auth,
            timeout=timeout,
            auth_hint=_auth_hint(auth, user, project),
            clock=clock,
        )

    @property
    def connection(self) -> JiraConnection:
        """The HTTP connection (for ``doctor``)."""
        return self._connection

    @classmethod
    def from_settings(
        cls,
        url: str,
        project: str,
        secrets: SecretStore,
        *,
        user: str = "",
        auth: Literal["basic", "bearer"] = "basic",
        **options: Any,
    ) -> JiraTracker:
        """Check ``[tracker]``'s values and read the token (JIRA_API_TOKEN or the keyring).

        ``options`` are the constructor's (jql, timeout, wanted_statuses, ...).

        Raises:
            ConfigError: no url, no user for basic auth, or no token.
        """
        url = url.strip()
        if not url:
            raise ConfigError("[tracker] url is empty: set it to your Jira base URL")
        if not re.match(r"https?://[^/\s]+", url):
            raise ConfigError(f"[tracker] url must start with https:// or http://, got {url!r}")
        if auth == "basic" and not user.strip():
            raise ConfigError(
                "[tracker] user is empty: Jira Cloud needs the account email with auth = 'basic'"
                " (Data Center: set auth = 'bearer')"
            )
        token = secrets.get(TOKEN_ENV)
        if not token:
            raise ConfigError(f"no Jira token: {secrets.how_to_set(TOKEN_ENV)}")
        return cls(url, project, token, user=user.strip(), auth=auth, **options)

    # -- the Tracker port --------------------------------------------------------------

    def list_tickets(self, query: str | None = None) -> list[Ticket]:
        """Every ticket matching the JQL ``query`` (default: ``[tracker] jql``), in its order."""
        return [ticket for page in self.ticket_pages(query) for ticket in page]

    def ticket_pages(self, query: str | None = None) -> Iterator[list[Ticket]]:
        """The search a page at a time (Cloud: ``nextPageToken``; DC: ``startAt``/``total``)."""
        jql = query or self.jql
        client = self._connection.client()
        site = CallSite("search tickets with the JQL query")
        # A string, not a list: jira 3.10.0 drops a list of fields (pycontribs/jira#2346).
        wanted = "summary,status"

        def by_token(token: str | None) -> Any:
            return client.enhanced_search_issues(
                jql,
                nextPageToken=token,
                maxResults=PAGE_SIZE,
                fields=wanted,
                json_result=True,
            )

        def by_offset(start: int) -> Any:
            return client.search_issues(
                jql, startAt=start, maxResults=PAGE_SIZE, fields=wanted, json_result=True
            )

        pages = (
            token_pages(lambda token: self._connection.call(partial(by_token, token), site))
            if self._connection.cloud
            else offset_pages(lambda start: self._connection.call(partial(by_offset, start), site))
        )
        for issues in pages:
            yield [records.ticket(raw) for raw in issues]

    def get_ticket(self, key: str) -> Ticket:
        """One ticket, its description as text, and its comments oldest first."""
        k = records.valid_key(key)
        client = self._connection.client()
        issue = self._connection.call(
            lambda: client.issue(k, fields="summary,status,description"),
            CallSite(f"read {k}", key=key),
        )
        return records.ticket(issue.raw, comments=tuple(self.comments(k)))

    def create_ticket(self, summary: str, description: str = "") -> Ticket:
        """File a ticket of ``issue_type`` in the project."""
        summary = records.valid_summary(summary)
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "summary": summary,
            "issuetype": {"name": self.issue_type},
        }
        client = self._connection.client()
        if description:
            # REST v3 (Cloud) takes rich text as ADF; v2 (Data Center) as wiki text.
            fields["description"] = (
                to_adf(Document.from_text(description)) if self._connection.cloud else description
            )
        created = self._connection.call(
            lambda: client.create_issue(fields=fields, prefetch=False),
            CallSite(f"create a ticket in project {self.project}", write=True),
        )
        return self.get_ticket(str(created.raw["key"]))

    def statuses(self) -> list[str]:
        """Every status of the project's workflows (all issue types), first seen first."""
        client = self._connection.client()
        issue_types = self._connection.call(
            lambda: client.issue_types_for_project(self.project),
            CallSite(f"read the workflow statuses of project {self.project}"),
        )
        names = [s["name"] for t in issue_types for s in t.raw.get("statuses", [])]
        return list(dict.fromkeys(names))

    def transition(self, key: str, status: str) -> TransitionResult:
        """Reach ``status`` by a transition available NOW whose target has that name.

        Transitions are never looked up by their own name or cached: workflows differ
        and change. One that needs no input is preferred; required fields are filled
        from ``[tracker.transition_fields]``, else TransitionFieldsError names them.
        """
        k = records.valid_key(key)
        wanted = status.strip().casefold()
        client = self._connection.client()
        issue = self._connection.call(
            lambda: client.issue(k, fields="status"), CallSite(f"read {k}", key=key)
        )
        if records.status_of(issue.raw).casefold() == wanted:
            return "already"
        available = self._connection.call(
            lambda: client.transitions(k, expand="transitions.fields"),
            CallSite(f"list the transitions of {k}", key=key),
        )
        values = values_for(self.transition_fields, status)
        plan = plan_transition(available, k, status, values, cloud=self._connection.cloud)
        if plan is None:
            return "unreachable"
        try:
            self._connection.call(
                lambda: client.transition_issue(k, plan.transition_id, fields=plan.fields),
                CallSite(f"move {k} to '{status}' ('{plan.name}')", key=key, write=True),
            )
        except RemoteRejectedError as exc:
            if exc.status != 400:
                raise
            raise RemoteRejectedError(
                f'{exc.message} - set the fields under [tracker.transition_fields] "{status}"',
                status=exc.status,
            ) from None
        return "moved"

    def add_comment(self, key: str, body: Document, op_id: str) -> str:
        """Post ``body`` (ADF on Cloud, wiki on Data Center) once per op id.

        The op id rides in the same POST as a comment property, invisible to the PM.
        If a comment with this op id is already there its id is returned; otherwise
        exactly one POST is sent (a failure is raised, never retried here).
        """
        k = records.valid_key(key)
        if not body:
            raise UsageError(f"refusing to post an empty comment on {k}")
        if op_id:
            if not valid_op_id(op_id):
                raise UsageError(f"operation id {op_id!r} cannot be stored with a comment")
            found = self.find_comment(k, op_id)
            if found is not None:
                return found
        rendered = to_adf(body) if self._connection.cloud else to_wiki(body)
        posted = self._connection.rest(
            "POST",
            f"issue/{k}/comment",
            CallSite(f"post a comment on {k}", key=key, write=True),
            body=comment_request(rendered, op_id),
        )
        return str(posted["id"])

    def find_comment(self, key: str, op_id: str) -> str | None:
        """The id of the comment carrying ``op_id`` in its property (every page is read)."""
        k = records.valid_key(key)
        if not op_id:
            return None
        for raw in self._raw_comments(k, key):
            if op_of(raw, self._read_property) == op_id:
                return str(raw["id"])
        return None

    # -- beyond the port ---------------------------------------------------------------

    def comments(self, key: str) -> list[Comment]:
        """Every comment of the ticket, oldest first, as text."""
        k = records.valid_key(key)
        return [records.comment(raw) for raw in self._raw_comments(k, key)]

    def add_remote_link(self, key: str, url: str, title: str) -> str:
        """Link ``url`` (the published workbook) from the ticket; once per url."""
        k = records.valid_key(key)
        if not re.match(r"https?://\S+\Z", url):
            raise UsageError(f"not a web link for {k}: {url!r}")
        client = self._connection.client()
        links = self._connection.call(
            lambda: client.remote_links(k), CallSite(f"read the links of {k}", key=key)
        )
        for link in links:
            if (link.raw.get("object") or {}).get("url") == url:
                return str(link.raw.get("id", ""))
        created = self._connection.call(
            lambda: client.add_simple_link(k, {"url": url, "title": title[:255] or url}),
            CallSite(f"link {k} to the published workbook", key=key, write=True),
        )
        return str(created.raw.get("id", ""))

    def doctor(self) -> list[DoctorLine]:
        """(name, ok, detail) lines: reachable, authenticated, project, statuses."""
        return run_doctor(self)

    def close(self) -> None:
        """Close the HTTP session."""
        self._connection.close()

    # -- internals ---------------------------------------------------------------------

    def _read_property(self, comment_id: str) -> Mapping[str, Any] | None:
        """The ``martflow`` property of one comment; None when it has none (404)."""
        try:
            found = self._connection.rest(
                "GET",
                f"comment/{comment_id}/properties/{PROPERTY_KEY}",
                CallSite(f"read the properties of comment {comment_id}"),
            )
        except RemoteRejectedError as exc:
            if exc.status == 404:
                return None
            raise
        return (found or {}).get("value")

    def _raw_comments(self, k: str, key: str) -> Iterator[dict[str, Any]]:
        """Every comment with its properties, page by page until an empty page."""
        client = self._connection.client()
        start = 0
        seen: set[str] = set()
        for _ in range(_MAX_COMMENT_PAGES):
            page = self._connection.call(
                partial(
                    client.comments,
                    k,
                    expand="properties",
                    start_at=start,
                    max_results=_COMMENT_PAGE,
                ),
                CallSite(f"read the comments of {k}", key=key),
            )
            raws = [c.raw for c in page if str(c.raw.get("id")) not in seen]
            if not raws:
                return
            seen.update(str(r.get("id")) for r in raws)
            yield from raws
            start += len(page)


def _auth_hint(auth: str, user: str, project: str) -> str:
    """The one line telling the user which credential to fix on 401."""
    if auth == "basic":
        return (
            f"set {TOKEN_ENV} to an API token of the Jira account in [tracker] user "
            f"({user}) that can see project {project}"
        )
    return f"set {TOKEN_ENV} to a Data Center personal access token that can see project {project}"
