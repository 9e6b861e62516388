"""Turns tableauserverclient and requests failures into martflow's remote errors."""

from __future__ import annotations

import email.utils
import re
import threading
import time
from typing import Any

from martflow.errors import (
    AuthenticationError,
    MartflowError,
    PublishError,
    RemoteUnavailableError,
)

TOKEN_VARIABLE = "TABLEAU_TOKEN_SECRET"  # noqa: S105 - the variable's name, not a secret
_MAX_MESSAGE = 300


class RetryAfterProbe:
    """A requests response hook remembering the last ``Retry-After`` (TSC drops headers)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self._local.value = parse_retry_after(response.headers.get("Retry-After"))
        return response

    def take(self) -> float | None:
        value: float | None = getattr(self._local, "value", None)
        self._local.value = None
        return value


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` given in seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


SESSION_EXPIRED = "401002"
"""Tableau's error code for a session that ended (timed out or signed out elsewhere)."""


def session_expired(exc: Exception) -> bool:
    """True when TSC failed because the session ended, not because the token is wrong."""
    code = getattr(exc, "code", None)
    return isinstance(code, str) and code == SESSION_EXPIRED and _is_server_response(exc)


def _is_server_response(exc: Exception) -> bool:
    # TSC raises FailedSignInError for every 401, an ended session included.
    from tableauserverclient.server.endpoint.exceptions import XMLError

    return isinstance(exc, XMLError)


def translate(
    exc: Exception,
    action: str,
    retry_after: float | None = None,
    *,
    signed_in_again: bool = False,
) -> MartflowError:
    """The martflow error for a failed TSC call doing ``action``.

    ``signed_in_again``: the call already failed once with an ended session and was
    resent after a fresh sign-in.
    """
    # TSC and requests are only imported once a server call has failed.
    import requests
    from tableauserverclient.server.endpoint.exceptions import (
        FailedSignInError,
        InternalServerError,
        NonXMLResponseError,
        ServerResponseError,
    )

    if session_expired(exc):
        # Not the token's fault: the sign-in worked, the session then ended.
        again = ", again right after signing in anew" if signed_in_again else ""
        return RemoteUnavailableError(
            f"Tableau ended the session while trying to {action} ({SESSION_EXPIRED}){again}",
            status=401,
            applied=False,
        )
    if isinstance(exc, FailedSignInError):
        return AuthenticationError(
            f"Tableau refused the sign-in while trying to {action}: {_xml_message(exc)}; "
            f"check [tableau] token_name and {TOKEN_VARIABLE}",
            status=401,
        )
    if isinstance(exc, InternalServerError):
        message = _body_message(exc.content)
        return RemoteUnavailableError(
            f"Tableau answered {exc.code} while trying to {action}: {message}",
            status=int(exc.code),
            retry_after=retry_after,
        )
    if isinstance(exc, ServerResponseError):
        status = int(exc.code[:3]) if exc.code[:3].isdigit() else None
        message = f"Tableau refused to {action}: {_xml_message(exc)}"
        if status == 429:
            return RemoteUnavailableError(
                message, status=status, retry_after=retry_after, applied=False
            )
        if status in {401, 403}:
            return AuthenticationError(f"{message}; check {TOKEN_VARIABLE}", status=status)
        return PublishError(message)
    if isinstance(exc, NonXMLResponseError):
        return PublishError(f"Tableau refused to {action}: {_body_message(exc.args[0])}")
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        refused = isinstance(exc, requests.ConnectTimeout) or (
            isinstance(exc, requests.ConnectionError)
            and "NewConnectionError" in repr(exc.args[0] if exc.args else exc)
        )
        return RemoteUnavailableError(
            f"Tableau Server unreachable while trying to {action}: {type(exc).__name__}",
            applied=False if refused else None,
        )
    return PublishError(f"could not {action}: {type(exc).__name__}: {exc}")


def _xml_message(exc: Any) -> str:
    parts = [p.strip() for p in (exc.summary, exc.detail) if p and p.strip()]
    text = " - ".join(parts) or f"error {exc.code}"
    return f"{text} ({exc.code})" if exc.code else text


def _body_message(content: bytes | str | None) -> str:
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    text = content or ""
    details = re.findall(r"<(?:\w+:)?(?:summary|detail)>([^<]*)<", text)
    if details:
        text = " - ".join(d.strip() for d in details if d.strip())
    else:
        text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text[:_MAX_MESSAGE] or "no message"
