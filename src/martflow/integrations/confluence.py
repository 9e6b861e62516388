"""Data dictionary pages in Confluence, through atlassian-python-api (REST v1, storage format).

A page is found again by its ``martflow`` content property (which mart it documents and
the hash of the content last published), never by its title alone: a page with the
title but without the property is someone else's and is left alone. Confluence rewrites
storage bodies when it stores them, so "changed" means the hash differs, not the body.
Every call is made once; martflow's RetryPolicy and outbox decide about retries.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from martflow.core.dictionary import DictionaryPage, PublishedPage
from martflow.errors import ConfigError, MartflowError, RemoteRejectedError
from martflow.integrations.confluence_errors import TOKEN_ENV, normalize, reject_html
from martflow.integrations.tracker.jira_errors import redact_credentials

if TYPE_CHECKING:
    from atlassian import Confluence

    from martflow.secrets import SecretStore

T = TypeVar("T")
PROPERTY = "martflow"
"""The content property marking a page as martflow's: ``{"model", "ticket", "hash"}``."""
_EXPAND = f"version,metadata.properties.{PROPERTY}"
_CHILDREN_PAGE = 100
_VERSION_MARK = "martflow "
"""How a version martflow saved starts its message (followed by the content hash)."""


class ConfluencePages:
    """Creates or updates one page per mart under ``[confluence] parent`` in ``space``."""

    def __init__(
        self,
        url: str,
        space: str,
        token: str,
        *,
        user: str = "",
        parent: str = "",
        timeout: float = 30.0,
        auth_hint: str = "",
    ) -> None:
        self.url = url.rstrip("/")
        self.space = space
        self.parent = parent
        self._user = user
        self._token = token
        self._timeout = timeout
        self._auth_hint = auth_hint or f"set {TOKEN_ENV}"
        self._client: Confluence | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, url: str, space: str, secrets: SecretStore, **options: Any
    ) -> ConfluencePages:
        """The publisher for ``[confluence]``'s values (``options``: the constructor's user,
        parent, timeout); ConfigError names what is missing."""
        if not space:
            raise ConfigError("[confluence] url is set but space is empty: name the space key")
        token = secrets.get(TOKEN_ENV)
        if not token:
            raise ConfigError(
                f"[confluence] url is set but {TOKEN_ENV} is not: {secrets.how_to_set(TOKEN_ENV)}"
            )
        return cls(url, space, token, auth_hint=secrets.how_to_set(TOKEN_ENV), **options)

    # -- the port ------------------------------------------------------------------------

    def publish_page(self, page: DictionaryPage) -> PublishedPage:
        """Create the page, or update it in place if its content hash changed; else nothing.

        Safe to call again after any failure: it looks the page up first.
        """
        found = self.find(page)
        if found is None:
            return self._create(page)
        marked = _marker(found)
        page_id = str(found["id"])
        if marked.get("hash") == page.content_hash:
            return PublishedPage(page_id, self._web_url(found), "unchanged")
        version = found.get("version") or {}
        if str(version.get("message") or "") != _VERSION_MARK + page.content_hash:
            # (else the body already went out, and only the property did not follow)
            self._update_body(found, page)
        self._set_marker(page_id, page, (found.get("metadata") or {}).get("properties") or {})
        return PublishedPage(page_id, self._web_url(found), "updated")

    def find(self, page: DictionaryPage) -> dict[str, Any] | None:
        """The page martflow made for ``page.model``: by title, else among the parent's children.

        Raises RemoteRejectedError when the title is taken by a page martflow did not make.
        """
        titled = self._get(
            "rest/api/content",
            f"look up the page '{page.title}'",
            params={"spaceKey": self.space, "title": page.title, "type": "page", "expand": _EXPAND},
        )
        results = list((titled or {}).get("results") or [])
        for candidate in results:
            if _marker(candidate).get("model") == page.model:
                return candidate
        if self.parent:
            for child in self._children():
                if _marker(child).get("model") == page.model:
                    return child  # renamed by someone: still martflow's page
        if results:
            raise RemoteRejectedError(
                f"Confluence space {self.space} already has a page titled '{page.title}' that "
                f"martflow did not create (no '{PROPERTY}' page property): rename or move it"
            )
        return None

    def check(self) -> str:
        """Read the space (doctor): its name, or the error saying what is wrong."""
        space = self._get(f"rest/api/space/{self.space}", f"read the space {self.space}")
        if self.parent:
            self._get(f"rest/api/content/{self.parent}", f"read the parent page {self.parent}")
        return str((space or {}).get("name") or self.space)

    # -- requests ------------------------------------------------------------------------

    def _create(self, page: DictionaryPage) -> PublishedPage:
        body: dict[str, Any] = {
            "type": "page",
            "title": page.title,
            "space": {"key": self.space},
            "body": {"storage": {"value": page.body, "representation": "storage"}},
            "version": {"number": 1, "message": _VERSION_MARK + page.content_hash},
            # The property travels in the same POST: no crash can leave the page unmarked.
            "metadata": {"properties": {PROPERTY: {"key": PROPERTY, "value": _value(page)}}},
        }
        if self.parent:
            body["ancestors"] = [{"id": self.parent}]
        created = self._call(
            lambda: self._connected().post("rest/api/content", data=body),
            f"create the page '{page.title}'",
            write=True,
        )
        return PublishedPage(str(created["id"]), self._web_url(created), "created")

    def _update_body(self, found: dict[str, Any], page: DictionaryPage) -> None:
        number = int((found.get("version") or {}).get("number") or 1)
        body = {
            "id": str(found["id"]),
            "type": "page",
            "title": page.title,
            "space": {"key": self.space},
            "body": {"storage": {"value": page.body, "representation": "storage"}},
            "version": {"number": number + 1, "message": _VERSION_MARK + page.content_hash},
        }
        self._call(
            lambda: self._connected().put(f"rest/api/content/{found['id']}", data=body),
            f"update the page '{page.title}'",
            write=True,
        )

    def _set_marker(self, page_id: str, page: DictionaryPage, known: dict[str, Any]) -> None:
        current = known.get(PROPERTY) or {}
        number = int((current.get("version") or {}).get("number") or 0)
        if current and not number:  # the expansion left the property's version out
            stored = self._get(
                f"rest/api/content/{page_id}/property/{PROPERTY}",
                f"read the '{PROPERTY}' property of the page '{page.title}'",
            )
            number = int(((stored or {}).get("version") or {}).get("number") or 1)
        data = {"key": PROPERTY, "value": _value(page), "version": {"number": number + 1}}
        path = f"rest/api/content/{page_id}/property"
        client = self._connected()
        self._call(
            (lambda: client.put(f"{path}/{PROPERTY}", data=data))
            if number
            else (lambda: client.post(path, data=data)),
            f"record the content hash of the page '{page.title}'",
            write=True,
        )

    def _children(self) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            batch = self._get(
                f"rest/api/content/{self.parent}/child/page",
                f"list the pages under the parent page {self.parent}",
                params={"expand": _EXPAND, "start": start, "limit": _CHILDREN_PAGE},
            )
            results = list((batch or {}).get("results") or [])
            yield from results
            if len(results) < _CHILDREN_PAGE or not (batch or {}).get("_links", {}).get("next"):
                return
            start += len(results)

    def _get(self, path: str, action: str, *, params: dict[str, Any] | None = None) -> Any:
        return self._call(lambda: self._connected().get(path, params=params), action, write=False)

    def _call(self, fn: Callable[[], T], action: str, *, write: bool) -> T:
        try:
            return fn()
        except MartflowError:
            raise
        except Exception as exc:
            error = normalize(
                exc, action, write=write, auth_hint=self._auth_hint, redact=self._redact
            )
            raise error from None

    def _connected(self) -> Confluence:
        with self._lock:
            if self._client is None:
                # Imported here: atlassian and requests must not slow `martflow --help`.
                from atlassian import Confluence

                credentials: dict[str, Any] = (
                    {"username": self._user, "password": self._token}
                    if self._user
                    else {"token": self._token}
                )
                client = Confluence(
                    url=self.url,
                    cloud=False,  # REST v1 everywhere: the Cloud client has no create_page
                    # It keeps whole seconds only (0.5 would become 0, which requests refuses).
                    timeout=max(1, math.ceil(self._timeout)),
                    backoff_and_retry=False,  # it resends POSTs; martflow's policy retries
                    retry_with_header=False,  # else it sleeps out any Retry-After, even hours
                    **credentials,
                )
                client.session.hooks["response"].append(reject_html)
                self._client = client
            return self._client

    def _web_url(self, content: dict[str, Any]) -> str:
        links = content.get("_links") or {}
        webui = str(links.get("webui") or "")
        if webui.startswith(("https://", "http://")):
            return webui
        if webui:
            return f"{str(links.get('base') or self.url).rstrip('/')}{webui}"
        return f"{self.url}/pages/viewpage.action?pageId={content['id']}"

    def _redact(self, text: str) -> str:
        return redact_credentials(text, self._user, self._token)


def _value(page: DictionaryPage) -> dict[str, str]:
    return {"model": page.model, "ticket": page.ticket_key, "hash": page.content_hash}


def _marker(content: dict[str, Any]) -> dict[str, Any]:
    """The ``martflow`` property's value of an expanded page ({} if it has none)."""
    properties = (content.get("metadata") or {}).get("properties") or {}
    value = (properties.get(PROPERTY) or {}).get("value")
    return value if isinstance(value, dict) else {}
