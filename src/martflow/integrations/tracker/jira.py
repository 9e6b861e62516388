"""JiraTracker: the Tracker port on the ``jira`` library, for Jira Cloud and Data Center."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from martflow.core.models import Comment, Ticket
from martflow.core.ports import TransitionResult
from martflow.errors import (
    ConfigError,
    MartflowError,
    RemoteRejectedError,
    TicketNotFoundError,
    UsageError,
)
from martflow.integrations.tracker.jira_errors import CallSite, normalize
from martflow.integrations.tracker.jira_text import (
    marker_of,
    parse_time,
    text_of,
    valid_op_id,
    with_marker,
)

if TYPE_CHECKING:
    from jira import JIRA

    from martflow.config import TrackerConfig
    from martflow.secrets import SecretStore

T = TypeVar("T")
TOKEN_ENV = "JIRA_API_TOKEN"  # noqa: S105 - the variable's name, not a secret
"""Where the API token (Cloud) or personal access token (Data Center) comes from."""

_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[1-9][0-9]*")
_MAX_SUMMARY = 255
_COMMENT_PAGE = 100
_MAX_COMMENT_PAGES = 200
DoctorLine = tuple[str, bool, str]


class JiraTracker:
    """A ``Tracker`` on Jira Cloud (user + API token, basic auth) or Data Center (PAT, bearer).

    The ``jira`` client is built on first use with ``max_retries=0`` and a timeout:
    its own retries resend POSTs, and martflow's RetryPolicy and outbox own delivery.
    Every failure surfaces as a ``martflow.errors`` error; no call retries by itself.
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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.jql = jql or f"project = {project} ORDER BY created DESC"
        self.timeout = timeout
        self.issue_type = issue_type
        self.wanted_statuses = tuple(dict.fromkeys(s for s in wanted_statuses if s))
        self._auth = auth
        self._user = user
        self._token = token
        self._clock = clock
        self._client_lock = threading.Lock()
        self._jira: JIRA | None = None

    @classmethod
    def from_config(cls, config: TrackerConfig, secrets: SecretStore) -> JiraTracker:
        """Build from ``[tracker]``; the token comes from JIRA_API_TOKEN or the keyring.

        Raises:
            ConfigError: no url, no user for basic auth, or no token.
        """
        url = config.url.strip()
        if not url:
            raise ConfigError("[tracker] url is empty: set it to your Jira base URL")
        if not re.match(r"https?://[^/\s]+", url):
            raise ConfigError(f"[tracker] url must start with https:// or http://, got {url!r}")
        if config.auth == "basic" and not config.user.strip():
            raise ConfigError(
                "[tracker] user is empty: Jira Cloud needs the account email with auth = 'basic'"
                " (Data Center: set auth = 'bearer')"
            )
        token = secrets.get(TOKEN_ENV)
        if not token:
            raise ConfigError(f"no Jira token: {secrets.how_to_set(TOKEN_ENV)}")
        return cls(
            url,
            config.project,
            token,
            user=config.user.strip(),
            auth=config.auth,
            jql=config.jql,
            timeout=config.timeout,
            wanted_statuses=[v for v in config.statuses.model_dump().values() if v],
        )

    # -- the Tracker port --------------------------------------------------------------

    def list_tickets(self, query: str | None = None) -> list[Ticket]:
        """Tickets matching the JQL ``query`` (default: ``[tracker] jql``), in its order."""
        jql = query or self.jql
        client = self._client()
        issues = self._call(
            lambda: client.search_issues(jql, maxResults=100, fields=["summary", "status"]),
            CallSite("search tickets with the JQL query"),
        )
        return [_ticket(issue.raw) for issue in issues]

    def get_ticket(self, key: str) -> Ticket:
        """One ticket, its description as text, and its comments oldest first."""
        k = _valid_key(key)
        client = self._client()
        issue = self._call(
            lambda: client.issue(k, fields="summary,status,description"),
            CallSite(f"read {k}", key=key),
        )
        return _ticket(issue.raw, comments=tuple(self.comments(k)))

    def create_ticket(self, summary: str, description: str = "") -> Ticket:
        """File a ticket of ``issue_type`` in the project."""
        summary = _valid_summary(summary)
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "summary": summary,
            "issuetype": {"name": self.issue_type},
        }
        if description:
            fields["description"] = description
        client = self._client()
        created = self._call(
            lambda: client.create_issue(fields=fields, prefetch=False),
            CallSite(f"create a ticket in project {self.project}", write=True),
        )
        return self.get_ticket(str(created.raw["key"]))

    def statuses(self) -> list[str]:
        """Every status of the project's workflows (all issue types), first seen first."""
        client = self._client()
        issue_types = self._call(
            lambda: client.issue_types_for_project(self.project),
            CallSite(f"read the workflow statuses of project {self.project}"),
        )
        names = [s["name"] for t in issue_types for s in t.raw.get("statuses", [])]
        return list(dict.fromkeys(names))

    def transition(self, key: str, status: str) -> TransitionResult:
        """Reach ``status`` by the transition available NOW whose target has that name.

        Transitions are never looked up by their own name or cached: workflows differ
        and change.
        """
        k = _valid_key(key)
        wanted = status.strip().casefold()
        client = self._client()
        issue = self._call(lambda: client.issue(k, fields="status"), CallSite(f"read {k}", key=key))
        if _status_of(issue.raw).casefold() == wanted:
            return "already"
        available = self._call(
            lambda: client.transitions(k), CallSite(f"list the transitions of {k}", key=key)
        )
        chosen = next(
            (t for t in available if str((t.get("to") or {}).get("name", "")).casefold() == wanted),
            None,
        )
        if chosen is None:
            return "unreachable"
        transition_id = str(chosen.get("id", ""))
        if not transition_id.isdigit():
            raise RemoteRejectedError(f"Jira offered a transition of {k} without a numeric id")
        self._call(
            lambda: client.transition_issue(k, transition_id),
            CallSite(f"move {k} to '{status}'", key=key, write=True),
        )
        return "moved"

    def add_comment(self, key: str, body: str, op_id: str) -> str:
        """Post ``body`` with a ``martflow-op: <op_id>`` footer, once per op id.

        If a comment with this op id is already there its id is returned; otherwise
        exactly one POST is sent (a failure is raised, never retried here).
        """
        k = _valid_key(key)
        if not body.strip():
            raise UsageError(f"refusing to post an empty comment on {k}")
        if op_id:
            if not valid_op_id(op_id):
                raise UsageError(f"operation id {op_id!r} cannot be used as a comment marker")
            found = self.find_comment(k, op_id)
            if found is not None:
                return found
        text = with_marker(body, op_id) if op_id else body
        client = self._client()
        posted = self._call(
            lambda: client.add_comment(k, text),
            CallSite(f"post a comment on {k}", key=key, write=True),
        )
        return str(posted.raw["id"])

    def find_comment(self, key: str, op_id: str) -> str | None:
        """The id of the comment whose footer carries ``op_id`` (every page is read)."""
        k = _valid_key(key)
        if not op_id:
            return None
        for raw in self._raw_comments(k, key):
            if marker_of(text_of(raw.get("body"))) == op_id:
                return str(raw["id"])
        return None

    # -- beyond the port ---------------------------------------------------------------

    def comments(self, key: str) -> list[Comment]:
        """Every comment of the ticket, oldest first, as stored (footer included)."""
        k = _valid_key(key)
        return [_comment(raw) for raw in self._raw_comments(k, key)]

    def add_remote_link(self, key: str, url: str, title: str) -> str:
        """Link ``url`` (the published workbook) from the ticket; once per url."""
        k = _valid_key(key)
        if not re.match(r"https?://\S+\Z", url):
            raise UsageError(f"not a web link for {k}: {url!r}")
        client = self._client()
        links = self._call(
            lambda: client.remote_links(k), CallSite(f"read the links of {k}", key=key)
        )
        for link in links:
            if (link.raw.get("object") or {}).get("url") == url:
                return str(link.raw.get("id", ""))
        created = self._call(
            lambda: client.add_simple_link(k, {"url": url, "title": title[:255] or url}),
            CallSite(f"link {k} to the published workbook", key=key, write=True),
        )
        return str(created.raw.get("id", ""))

    def doctor(self) -> list[DoctorLine]:
        """(name, ok, detail) lines: reachable, authenticated, project, statuses."""
        from martflow.integrations.tracker.jira_doctor import run_doctor

        return run_doctor(self)

    def close(self) -> None:
        """Close the HTTP session."""
        with self._client_lock:
            if self._jira is not None:
                self._jira.close()
                self._jira = None

    # -- internals ---------------------------------------------------------------------

    def _client(self) -> JIRA:
        with self._client_lock:
            if self._jira is None:
                self._jira = self._call(self._connect, CallSite("read Jira's server info"))
            return self._jira

    def _connect(self) -> JIRA:
        # Imported here: loading jira (and requests) must not slow `martflow --help`.
        from jira import JIRA

        credentials: dict[str, Any] = (
            {"basic_auth": (self._user, self._token)}
            if self._auth == "basic"
            else {"token_auth": self._token}
        )
        return JIRA(
            server=self.url,
            options={"check_update": False},
            max_retries=0,  # its retries resend POSTs; martflow's RetryPolicy owns retries
            timeout=self.timeout,
            get_server_info=True,  # Cloud vs Data Center decides the search endpoint
            logging=False,  # it logs response bodies; martflow reports normalized errors
            **credentials,
        )

    def _call(self, fn: Callable[[], T], site: CallSite) -> T:
        try:
            return fn()
        except MartflowError:
            raise
        except Exception as exc:
            error = normalize(
                exc, site, auth_hint=self._auth_hint(), redact=self._redact, now=self._clock()
            )
            raise error from None

    def _raw_comments(self, k: str, key: str) -> Iterator[dict[str, Any]]:
        for page in self._comment_pages(k, key):
            yield from page

    def _comment_pages(self, k: str, key: str) -> Iterator[list[dict[str, Any]]]:
        """Pages of raw comments until an empty page (servers may cap the page size)."""
        client = self._client()
        start = 0
        seen: set[str] = set()
        for _ in range(_MAX_COMMENT_PAGES):
            page = self._call(
                partial(client.comments, k, start_at=start, max_results=_COMMENT_PAGE),
                CallSite(f"read the comments of {k}", key=key),
            )
            raws = [c.raw for c in page if str(c.raw.get("id")) not in seen]
            if not raws:
                return
            seen.update(str(r.get("id")) for r in raws)
            yield raws
            start += len(page)

    def _auth_hint(self) -> str:
        if self._auth == "basic":
            return (
                f"set {TOKEN_ENV} to an API token of the Jira account in [tracker] user "
                f"({self._user}) that can see project {self.project}"
            )
        return (
            f"set {TOKEN_ENV} to a Data Center personal access token "
            f"that can see project {self.project}"
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    def _secrets(self) -> list[str]:
        basic = base64.b64encode(f"{self._user}:{self._token}".encode()).decode()
        return [s for s in (self._token, basic) if len(s) >= 4]


def _valid_key(key: str) -> str:
    """The key upper-cased, or TicketNotFoundError: keys go into URL paths."""
    normalized = key.strip().upper()
    if not _KEY.fullmatch(normalized):
        raise TicketNotFoundError(key)
    return normalized


def _valid_summary(summary: str) -> str:
    text = summary.strip()
    if not text:
        raise UsageError("a ticket needs a summary; it was empty")
    if "\n" in text or "\r" in text:
        raise UsageError("a ticket summary must be one line")
    if len(text) > _MAX_SUMMARY:
        raise UsageError(f"a ticket summary is at most {_MAX_SUMMARY} characters")
    return text


def _status_of(raw: dict[str, Any]) -> str:
    status = (raw.get("fields") or {}).get("status") or {}
    return str(status.get("name", ""))


def _ticket(raw: dict[str, Any], comments: tuple[Comment, ...] = ()) -> Ticket:
    fields = raw.get("fields") or {}
    return Ticket(
        key=str(raw["key"]),
        summary=str(fields.get("summary") or ""),
        status=_status_of(raw),
        description=text_of(fields.get("description")),
        comments=comments,
    )


def _comment(raw: dict[str, Any]) -> Comment:
    author = raw.get("author") or {}
    return Comment(
        id=str(raw["id"]),
        body=text_of(raw.get("body")),
        created=parse_time(raw.get("created")),
        author=str(author.get("displayName") or author.get("name") or ""),
    )
