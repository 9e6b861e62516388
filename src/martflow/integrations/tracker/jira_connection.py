"""One connection to Jira: the ``jira`` client built safely, its flavour, and error mapping."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from martflow.errors import MartflowError
from martflow.integrations.tracker.jira_errors import (
    CallSite,
    normalize,
    redact_credentials,
    reject_html,
)

if TYPE_CHECKING:
    from jira import JIRA

T = TypeVar("T")
TOKEN_ENV = "JIRA_API_TOKEN"  # noqa: S105 - the variable's name, not a secret
"""Where the API token (Cloud) or personal access token (Data Center) comes from."""


class JiraConnection:
    """The ``jira`` client, built on first use with ``max_retries=0`` and a timeout.

    Its own retries resend POSTs; martflow's RetryPolicy and outbox own delivery.
    Whether the server is Cloud is what ``/rest/api/2/serverInfo`` says
    (``deploymentType``): Cloud is then spoken to through REST v3 (ADF bodies), Data
    Center through v2 (wiki text).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        user: str = "",
        auth: Literal["basic", "bearer"] = "basic",
        timeout: float = 30.0,
        auth_hint: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url = url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self._user = user
        self._token = token
        self._auth_hint = auth_hint or f"set {TOKEN_ENV}"
        self._clock = clock
        self._lock = threading.Lock()
        self._jira: JIRA | None = None
        self._cloud = False

    @property
    def cloud(self) -> bool:
        """True on Jira Cloud (connects first if needed)."""
        self.client()
        return self._cloud

    def client(self) -> JIRA:
        """The connected client (serverInfo is read on the first call)."""
        with self._lock:
            if self._jira is None:
                self._jira = self.call(self._connect, CallSite("read Jira's server info"))
            return self._jira

    def call(self, fn: Callable[[], T], site: CallSite) -> T:
        """``fn()``, with whatever it raises turned into a ``martflow.errors`` error."""
        try:
            return fn()
        except MartflowError:
            raise
        except Exception as exc:
            error = normalize(
                exc, site, auth_hint=self._auth_hint, redact=self.redact, now=self._clock()
            )
            raise error from None

    def rest(self, method: str, path: str, site: CallSite, *, body: Any = None) -> Any:
        """A request the library has no method for (comment properties), as JSON.

        ``path`` is under ``/rest/api/<v>/``: v3 on Cloud, v2 on Data Center.
        """
        client = self.client()
        url = f"{self.url}/rest/api/{'3' if self._cloud else '2'}/{path}"
        data = json.dumps(body) if body is not None else None

        def send() -> Any:
            # The library's session carries its auth, timeout and the HTML check.
            response = client._session.request(method, url, data=data)
            return response.json() if response.content else None

        return self.call(send, site)

    def redact(self, text: str) -> str:
        """``text`` without the token or the basic-auth header value."""
        return redact_credentials(text, self._user, self._token)

    def close(self) -> None:
        """Close the HTTP session."""
        with self._lock:
            if self._jira is not None:
                self._jira.close()
                self._jira = None

    def _connect(self) -> JIRA:
        # Imported here: loading jira (and requests) must not slow `martflow --help`.
        from jira import JIRA

        credentials: dict[str, Any] = (
            {"basic_auth": (self._user, self._token)}
            if self.auth == "basic"
            else {"token_auth": self._token}
        )
        client = JIRA(
            server=self.url,
            options={"check_update": False},
            max_retries=0,  # its retries resend POSTs; martflow's RetryPolicy owns retries
            timeout=self.timeout,
            get_server_info=False,  # read below, once the HTML check is on the session
            logging=False,  # it logs response bodies; martflow reports normalized errors
            **credentials,
        )
        # The library's session is the only handle on its HTTP plumbing.
        client._session.hooks["response"].append(reject_html)
        info = client.server_info()
        client.deploymentType = info.get("deploymentType")  # the library's own Cloud switch
        self._cloud = client.deploymentType == "Cloud"
        if self._cloud:
            # Cloud's rich text is ADF, which only REST v3 speaks (and /search/jql pages).
            client._options["rest_api_version"] = "3"
        return client
