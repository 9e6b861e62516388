"""Turn what the jira library and requests raise into martflow.errors, without secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from martflow.errors import (
    AuthenticationError,
    MartflowError,
    NotAnApiAnswerError,
    PermissionDeniedError,
    RemoteRejectedError,
    RemoteUnavailableError,
    TicketNotFoundError,
)

_MAX_DETAIL = 300
_SERAPH_DENIED = ("AUTHENTICATION_DENIED", "AUTHENTICATED_FAILED")


@dataclass(frozen=True)
class CallSite:
    """What a failing call was doing, for the error message and its mapping.

    Attributes:
        action: what we tried, e.g. "post a comment on DEMO-1".
        key: the ticket the call was about (a 404 then means no such ticket).
        write: True for a POST that may have taken effect before the failure.
    """

    action: str
    key: str | None = None
    write: bool = False


def redact_credentials(text: str, user: str, token: str) -> str:
    """``text`` without the token or the basic-auth header value made of it."""
    import base64

    basic = base64.b64encode(f"{user}:{token}".encode()).decode()
    for secret in (token, basic):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def normalize(
    exc: BaseException,
    site: CallSite,
    *,
    auth_hint: str,
    redact: Callable[[str], str],
    now: datetime | None = None,
) -> MartflowError:
    """The martflow error for ``exc``, raised by a call described by ``site``.

    ``auth_hint`` is the one line telling the user which variable to set on 401/403;
    ``redact`` scrubs secrets from any text taken from the server.
    """
    import requests  # the jira library depends on requests; imported here with it

    now = now or datetime.now(UTC)
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    if isinstance(response, requests.Response) and status is not None:
        return _from_response(response, int(status), site, auth_hint, redact, now)
    refused = isinstance(exc, requests.exceptions.ConnectTimeout) or (
        isinstance(exc, requests.exceptions.ConnectionError) and never_connected(exc)
    )
    if refused:
        return RemoteUnavailableError(
            f"cannot reach Jira to {site.action}: connection refused, timed out or host unknown",
            applied=False,
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return RemoteUnavailableError(
            f"Jira did not answer in time to {site.action}",
            applied=None if site.write else False,
        )
    # requests' JSONDecodeError is also a RequestException: it must be caught first.
    if isinstance(exc, ValueError):
        return NotAnApiAnswerError(
            f"Jira answered with something other than JSON to {site.action}: check [tracker] url"
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return RemoteUnavailableError(
            f"the connection to Jira dropped while trying to {site.action}",
            applied=None if site.write else False,
        )
    if isinstance(exc, (KeyError, TypeError, AttributeError)):
        return RemoteRejectedError(f"Jira's answer to {site.action} was not in the expected shape")
    return RemoteRejectedError(redact(f"Jira failed to {site.action}: {exc}")[:_MAX_DETAIL])


def never_connected(exc: BaseException) -> bool:
    """True when the TCP connection was never made, so nothing can have been applied."""
    from urllib3.exceptions import NewConnectionError

    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ConnectionRefusedError)):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return False


def _from_response(
    response: Any,
    status: int,
    site: CallSite,
    auth_hint: str,
    redact: Callable[[str], str],
    now: datetime,
) -> MartflowError:
    detail = redact(server_message(response))
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        login = captcha_login_url(response)
        if login is not None:
            return AuthenticationError(
                f"Jira wants a CAPTCHA solved after failed logins and refuses the API until "
                f"then: log in once in a browser at {login}, then run martflow again"
            )
        if status == 401 or _denied_sign_in(response):
            return AuthenticationError(f"Jira refused the credentials (HTTP {status}): {auth_hint}")
        if detail:
            return PermissionDeniedError(
                f"Jira refused to {site.action} (HTTP 403){suffix}", status=status
            )
        return PermissionDeniedError(
            f"Jira refused to {site.action} (HTTP 403) without a reason: the account may "
            f"lack the permission, or {auth_hint}",
            status=status,
        )
    if status == 404 and site.key:
        return TicketNotFoundError(site.key)
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    return status_fault("Jira", status, site.action, suffix, retry_after, site.write)


def status_fault(
    service: str, status: int, action: str, suffix: str, retry_after: float | None, write: bool
) -> RemoteUnavailableError | RemoteRejectedError:
    """A 429 or 5xx (worth retrying: a 5xx write may have landed) or any other refusal."""
    if status == 429:
        return RemoteUnavailableError(
            f"{service} is rate limiting requests (HTTP 429) to {action}{suffix}",
            status=status,
            retry_after=retry_after,
            applied=False,
        )
    if status >= 500:
        return RemoteUnavailableError(
            f"{service} failed with HTTP {status} to {action}{suffix}",
            status=status,
            retry_after=retry_after,
            applied=None if write else False,
        )
    return RemoteRejectedError(
        f"{service} refused to {action} (HTTP {status}){suffix}", status=status
    )


def captcha_login_url(response: Any) -> str | None:
    """Where to log in when Jira's ``X-Authentication-Denied-Reason`` asks for a CAPTCHA.

    The header reads ``CAPTCHA_CHALLENGE; login-url=https://jira.example.com/login.jsp``.
    """
    reason = str(response.headers.get("X-Authentication-Denied-Reason") or "")
    if "CAPTCHA_CHALLENGE" not in reason.upper():
        return None
    found = re.search(r"login-url=\s*(\S+)", reason)
    if found:
        return found.group(1).rstrip(";,")
    parts = urlsplit(str(getattr(response, "url", "") or ""))
    return f"{parts.scheme}://{parts.netloc}/login.jsp" if parts.netloc else "the Jira login page"


def _denied_sign_in(response: Any) -> bool:
    """True when Jira's headers say the sign-in itself was refused (not a permission)."""
    if response.headers.get("X-Authentication-Denied-Reason"):
        return True
    reason = str(response.headers.get("X-Seraph-LoginReason") or "").upper()
    return any(denied in reason for denied in _SERAPH_DENIED)


def reject_html(response: Any, *_args: Any, **_kwargs: Any) -> None:
    """A ``requests`` response hook: a redirect or a 2xx HTML page raises at once.

    Jira's REST API neither redirects nor answers in HTML; a login, SSO or proxy page
    would otherwise reach a JSON parser (and its logging) whole. The error names the
    URL and the page title (or the redirect's target), never the page.
    """
    if response.is_redirect:
        target = urljoin(str(response.url), str(response.headers.get("Location") or ""))
        raise NotAnApiAnswerError(
            f"{_bare(str(response.url))} redirected to {_bare(target)} instead of answering: "
            "sign in to Jira in a browser if your site uses SSO, or check [tracker] url"
        )
    if not (200 <= response.status_code < 300) or not response.content:
        return
    content_type = str(response.headers.get("Content-Type") or "").lower()
    head = response.content[:512].lstrip().lower()
    if "html" not in content_type and not head.startswith(b"<"):
        return
    raise NotAnApiAnswerError(
        f"{page_summary(response)} instead of JSON: check [tracker] url, or sign in to "
        "Jira in a browser if your site uses SSO"
    )


def page_summary(response: Any) -> str:
    """``<url> answered with an HTML page titled '<title>'``."""
    title = html_title(response.text or "")
    what = f"an HTML page titled '{title}'" if title else "an HTML page"
    return f"{_bare(str(getattr(response, 'url', '') or ''))} answered with {what}"


def _bare(url: str) -> str:
    """The URL without query or fragment (queries can be long and carry JQL)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else url


def html_title(text: str) -> str:
    """The page's ``<title>``, whitespace collapsed and cut to 120 characters."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return " ".join(title.group(1).split())[:120] if title else ""


def server_message(response: Any) -> str:
    """Jira's own words from an error response: ``errorMessages`` and ``errors`` joined.

    An HTML page (a proxy or login page) is summarized by its URL and title.
    """
    text = response.text or ""
    try:
        data = json.loads(text)
    except ValueError:
        return _non_json_summary(response, text)
    messages: list[str] = []
    if isinstance(data, dict):
        for field in ("errorMessages", "errorMessage", "message"):
            value = data.get(field)
            if isinstance(value, list):
                messages.extend(str(m) for m in value if m)
            elif value:
                messages.append(str(value))
        errors = data.get("errors")
        if isinstance(errors, dict):
            messages.extend(f"{name}: {message}" for name, message in errors.items())
        elif isinstance(errors, list):
            messages.extend(str(e.get("message", e)) for e in errors if isinstance(e, dict))
    return "; ".join(messages)[:_MAX_DETAIL]


def _non_json_summary(response: Any, text: str) -> str:
    if not text.strip():
        return ""
    lowered = text[:512].lower()
    if "<html" in lowered or "<!doctype" in lowered or html_title(text):
        return page_summary(response)
    return " ".join(text.split())[:_MAX_DETAIL]
