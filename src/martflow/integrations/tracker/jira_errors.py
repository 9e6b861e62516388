"""Turn what the jira library and requests raise into martflow.errors, without secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from martflow.errors import (
    AuthenticationError,
    MartflowError,
    RemoteRejectedError,
    RemoteUnavailableError,
    TicketNotFoundError,
)

_MAX_DETAIL = 300


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
    never_connected = isinstance(exc, requests.exceptions.ConnectTimeout) or (
        isinstance(exc, requests.exceptions.ConnectionError) and _never_connected(exc)
    )
    if never_connected:
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
        return RemoteRejectedError(
            f"Jira answered with something other than JSON to {site.action} "
            "(an HTML login or proxy page?): check [tracker] url"
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return RemoteUnavailableError(
            f"the connection to Jira dropped while trying to {site.action}",
            applied=None if site.write else False,
        )
    if isinstance(exc, (KeyError, TypeError, AttributeError)):
        return RemoteRejectedError(f"Jira's answer to {site.action} was not in the expected shape")
    return RemoteRejectedError(redact(f"Jira failed to {site.action}: {exc}")[:_MAX_DETAIL])


def _never_connected(exc: BaseException) -> bool:
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
        return AuthenticationError(f"Jira refused the credentials (HTTP {status}): {auth_hint}")
    if status == 404 and site.key:
        return TicketNotFoundError(site.key)
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    if status == 429:
        return RemoteUnavailableError(
            f"Jira is rate limiting requests (HTTP 429) to {site.action}{suffix}",
            status=status,
            retry_after=retry_after,
            applied=False,
        )
    if status >= 500:
        return RemoteUnavailableError(
            f"Jira failed with HTTP {status} to {site.action}{suffix}",
            status=status,
            retry_after=retry_after,
            applied=None if site.write else False,
        )
    return RemoteRejectedError(
        f"Jira refused to {site.action} (HTTP {status}){suffix}", status=status
    )


def server_message(response: Any) -> str:
    """Jira's own words from an error response: ``errorMessages`` and ``errors`` joined.

    An HTML page (a proxy or login page) is summarized by its title.
    """
    text = response.text or ""
    try:
        data = json.loads(text)
    except ValueError:
        return _html_summary(text)
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


def _html_summary(text: str) -> str:
    if not text.strip():
        return ""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        return f"an HTML page titled '{' '.join(title.group(1).split())[:120]}' instead of JSON"
    if "<html" in text.lower() or "<!doctype" in text.lower():
        return "an HTML page instead of JSON"
    return " ".join(text.split())[:_MAX_DETAIL]
