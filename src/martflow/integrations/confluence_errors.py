"""Turn what atlassian-python-api and requests raise into martflow.errors, without secrets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from martflow.errors import (
    AuthenticationError,
    MartflowError,
    NotAnApiAnswerError,
    PermissionDeniedError,
    RemoteRejectedError,
    RemoteUnavailableError,
)
from martflow.integrations.tracker.jira_errors import (
    never_connected,
    page_summary,
    parse_retry_after,
    server_message,
    status_fault,
)

TOKEN_ENV = "CONFLUENCE_API_TOKEN"  # noqa: S105 - the variable's name, not a secret


def normalize(
    exc: BaseException,
    action: str,
    *,
    write: bool,
    auth_hint: str,
    redact: Callable[[str], str],
) -> MartflowError:
    """The martflow error for ``exc``, raised while trying to ``action``.

    ``write``: the call was a POST or PUT that may have taken effect before it failed.
    """
    import requests

    response = getattr(exc, "response", None)
    if isinstance(response, requests.Response):
        return _from_response(response, action, write=write, auth_hint=auth_hint, redact=redact)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or (
        isinstance(exc, requests.exceptions.ConnectionError) and never_connected(exc)
    ):
        return RemoteUnavailableError(
            f"cannot reach Confluence to {action}: connection refused, timed out or host unknown",
            applied=False,
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return RemoteUnavailableError(
            f"Confluence did not answer in time to {action}", applied=None if write else False
        )
    if isinstance(exc, ValueError):  # requests' JSONDecodeError included
        return NotAnApiAnswerError(
            f"Confluence answered with something other than JSON to {action}: "
            "check [confluence] url (Cloud: https://<site>.atlassian.net/wiki)"
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return RemoteUnavailableError(
            f"the connection to Confluence dropped while trying to {action}",
            applied=None if write else False,
        )
    if isinstance(exc, (KeyError, TypeError, AttributeError)):
        return RemoteRejectedError(f"Confluence's answer to {action} was not in the expected shape")
    return RemoteRejectedError(redact(f"Confluence failed to {action}: {exc}")[:300])


def _from_response(
    response: object,
    action: str,
    *,
    write: bool,
    auth_hint: str,
    redact: Callable[[str], str],
) -> MartflowError:
    status = int(getattr(response, "status_code", 0))
    detail = redact(server_message(response))
    suffix = f": {detail}" if detail else ""
    headers = getattr(response, "headers", {})
    if status == 401:
        return AuthenticationError(f"Confluence refused the credentials (HTTP 401): {auth_hint}")
    if status == 403:
        why = suffix or ": the account may lack the permission"
        return PermissionDeniedError(
            f"Confluence refused to {action} (HTTP 403){why}", status=status
        )
    retry_after = parse_retry_after(headers.get("Retry-After"), datetime.now(UTC))
    return status_fault("Confluence", status, action, suffix, retry_after, write)


def reject_html(response: object, *_args: object, **_kwargs: object) -> None:
    """A ``requests`` response hook: a 2xx HTML page (a login or SSO page) raises at once."""
    status = int(getattr(response, "status_code", 0))
    content = getattr(response, "content", b"") or b""
    if not (200 <= status < 300) or not content:
        return
    content_type = str(getattr(response, "headers", {}).get("Content-Type") or "").lower()
    if "html" not in content_type and not content[:512].lstrip().startswith(b"<"):
        return
    raise NotAnApiAnswerError(
        f"{page_summary(response)} instead of JSON: check [confluence] url, or sign in to "
        "Confluence in a browser if your site uses SSO"
    )
