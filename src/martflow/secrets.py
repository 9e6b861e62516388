"""Secrets from the environment or the keyring, never from config; redacted from logs."""

from __future__ import annotations

import logging
import os
import re
import threading

KEYRING_SERVICE = "martflow"
_REDACTED = "***"
_log = logging.getLogger("martflow.secrets")


class SecretStore:
    """Secrets read once, removed from ``os.environ``, and known to the log filter."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()
        self._keyring_warned = False

    def get(self, env_var: str) -> str | None:
        """The secret named by ``env_var``: environment first, then the keyring.

        The variable is removed from the environment once read so that child
        processes (dbt, git hooks) never inherit it.
        """
        with self._lock:
            if env_var in self._values:
                return self._values[env_var]
            value = os.environ.pop(env_var, None) or self._from_keyring(env_var)
            if value:
                self._values[env_var] = value
            return value

    def values(self) -> list[str]:
        """Every secret read so far (for redaction)."""
        with self._lock:
            return [v for v in self._values.values() if v]

    def redact(self, text: str) -> str:
        """``text`` with every known secret replaced by ***."""
        for value in self.values():
            if len(value) >= 4:
                text = text.replace(value, _REDACTED)
        return text

    def _from_keyring(self, env_var: str) -> str | None:
        # keyring is imported only when the environment lacks the secret: it is slow to load.
        try:
            import keyring
            from keyring.errors import KeyringError

            return keyring.get_password(KEYRING_SERVICE, env_var)
        except KeyringError as exc:
            if not self._keyring_warned:
                self._keyring_warned = True
                _log.warning(
                    "no system keyring available (%s); reading secrets from the environment only",
                    type(exc).__name__,
                )
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
        cleaned = _redact_headers(self._store.redact(message))
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
