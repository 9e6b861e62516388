"""Finding secrets in text before it leaves the machine: known values and token shapes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from martflow.errors import SecretFoundError

REDACTED = "***"
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("an Atlassian API token", re.compile(r"\bATATT[0-9A-Za-z_=-]{20,}")),
    ("a private key", re.compile(r"-{5}BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-{5}")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[0-9A-Za-z]{30,}")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}")),
)
"""Common token shapes, found whether or not martflow knows the value."""
_MIN_KNOWN = 4
"""Shorter values are not searched for: they would match ordinary text."""

KnownSecrets = Callable[[], Mapping[str, str]]
"""Variable name -> value of every secret martflow holds."""


@dataclass(frozen=True)
class SecretFinding:
    """A secret on one line of a text: what it is, never its value."""

    line: int
    kind: str


def _nothing_known() -> Mapping[str, str]:
    return {}


class SecretScanner:
    """Looks for the secrets martflow holds and for token-shaped strings."""

    def __init__(self, known: KnownSecrets = _nothing_known) -> None:
        self._known = known

    def find(self, text: str) -> list[SecretFinding]:
        """Every secret in ``text``, one finding per line and kind, in line order."""
        known = [(name, value) for name, value in self._known().items() if len(value) >= _MIN_KNOWN]
        findings: list[SecretFinding] = []
        for number, line in enumerate(text.splitlines() or [text], start=1):
            for name, value in known:
                if value in line:
                    findings.append(SecretFinding(number, f"the value of {name}"))
            for kind, pattern in TOKEN_PATTERNS:
                if pattern.search(line):
                    findings.append(SecretFinding(number, kind))
        return findings

    def redact(self, text: str) -> str:
        """``text`` with every known secret and token-shaped string replaced by ***."""
        values = sorted(self._known().values(), key=len, reverse=True)
        for value in values:
            if len(value) >= _MIN_KNOWN:
                text = text.replace(value, REDACTED)
        return redact_patterns(text)

    def refuse(self, text: str, where: str, action: str) -> None:
        """Raise SecretFoundError naming ``where`` and the line if ``text`` holds a secret.

        ``where`` names the text (a file, "the commit message", "the comment");
        ``action`` is what was refused ("commit", "post to DEMO-1").
        """
        findings = self.find(text)
        if findings:
            raise SecretFoundError(where, findings[0].line, findings[0].kind, action)


def redact_patterns(text: str, replacement: str = REDACTED) -> str:
    """``text`` with every token-shaped string replaced."""
    for _kind, pattern in TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
