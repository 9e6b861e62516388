"""Secrets from the environment or the keyring, never from config; redacted from logs."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable

from martflow.core.safe_text import visible
from martflow.core.secret_scan import redact_patterns

KEYRING_SERVICE = "martflow"
SECRET_VARIABLES = (
    "JIRA_API_TOKEN",
    "TABLEAU_TOKEN_SECRET",
    "CONFLUENCE_API_TOKEN",
    "MARTFLOW_PII_SALT",
)
"""Every variable martflow reads a secret from (the keyring uses the same names)."""
_REDACTED = "***"
_log = logging.getLogger("martflow.secrets")


class SecretStore:
    """Secrets read once, removed from ``os.environ``, and known to the log filter.

    Nothing here logs while holding the lock: the log filter reads the known values,
    and a warning logged under the lock would wait on itself forever.
    """

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._known: tuple[str, ...] = ()
        """Every value read so far; replaced whole, so readers need no lock."""
        self._lock = threading.Lock()
        self._keyring_missing = ""
        """Why the keyring could not be asked (empty while it works or was never tried)."""

    def capture_environment(self, names: Iterable[str] = SECRET_VARIABLES) -> None:
        """Move every secret variable out of ``os.environ`` now, before any child starts."""
        with self._lock:
            for name in names:
                value = os.environ.pop(name, None)
                if value and name not in self._values:
                    self._values[name] = value
            self._refresh_known()

    def get(self, env_var: str) -> str | None:
        """The secret named by ``env_var``: environment first, then the keyring.

        The variable is removed from the environment once read so that child
        processes (dbt, git hooks) never inherit it.
        """
        with self._lock:
            if env_var in self._values:
                return self._values[env_var]
            value = os.environ.pop(env_var, None)
        if not value:
            value = self._from_keyring(env_var)
        if not value:
            return None
        with self._lock:
            value = self._values.setdefault(env_var, value)
            self._refresh_known()
        return value

    def how_to_set(self, env_var: str) -> str:
        """What to tell a user whose ``env_var`` secret is missing, keyring state included."""
        if self._keyring_missing:
            return f"set {env_var} (this machine has no system keyring: {self._keyring_missing})"
        return f"set {env_var} or store it in the keyring (service {KEYRING_SERVICE!r})"

    def values(self) -> list[str]:
        """Every secret read so far (for redaction and scanning)."""
        return list(self._known)

    def named_values(self) -> dict[str, str]:
        """Variable name -> value of every secret read so far."""
        with self._lock:
            return dict(self._values)

    def redact(self, text: str) -> str:
        """``text`` with every known secret and token-shaped string replaced by ***."""
        for value in self._known:
            if len(value) >= 4:
                text = text.replace(value, _REDACTED)
        return redact_patterns(text, _REDACTED)

    def _refresh_known(self) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._known = tuple(sorted({v for v in self._values.values() if v}, key=len, reverse=True))

    def _from_keyring(self, env_var: str) -> str | None:
        # keyring is imported only when the environment lacks the secret: it is slow to load.
        try:
            import keyring
            from keyring.errors import KeyringError

            return keyring.get_password(KEYRING_SERVICE, env_var)
        except KeyringError as exc:
            # Said once, in the message of whatever needed the secret (how_to_set).
            if not self._keyring_missing:
                self._keyring_missing = type(exc).__name__
                _log.debug("no system keyring (%s); secrets come from the environment", exc)
            return None
        except Exception:  # a broken backend must not stop the run
            return None


SECRETS = SecretStore()
"""The process-wide secret store."""

_HEADER_NAMES = ("authorization", "cookie", "x-tableau-auth", "x-atlassian-token")
_HEADER_VALUE = re.compile(
    r"(?i)(['\"]?(?:" + "|".join(_HEADER_NAMES) + r")['\"]?\s*[:=]\s*['\"]?)([^'\",}\n]+)"
)


class RedactingFilter(logging.Filter):
    """Replaces known secrets and sensitive header values in every log record."""

    def __init__(self, store: SecretStore = SECRETS) -> None:
        super().__init__()
        self._store = store

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # Ticket text quoted in a message is shown escaped: a log line cannot drive a terminal.
        cleaned = visible(_redact_headers(self._store.redact(message)), keep_newlines=True)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _redact_headers(text: str) -> str:
    return _HEADER_VALUE.sub(lambda m: m.group(1) + _REDACTED, text)


def configure_logging(verbose: bool = False, log_file: os.PathLike[str] | None = None) -> None:
    """Route logs to stderr (and a file), redacted; vendor loggers stay at WARNING."""
    root = logging.getLogger()
    root.handlers.clear()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("martflow").setLevel(logging.DEBUG if verbose else logging.INFO)
    for vendor in ("urllib3", "requests", "jira", "atlassian", "tableauserverclient", "git"):
        logging.getLogger(vendor).setLevel(logging.WARNING)
