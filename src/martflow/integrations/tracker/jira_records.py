"""Jira's JSON as martflow's Ticket and Comment; keys and summaries checked before use."""

from __future__ import annotations

import re
from typing import Any

from martflow.core.models import Comment, Ticket
from martflow.errors import TicketNotFoundError, UsageError
from martflow.integrations.tracker.jira_text import parse_time, text_of

_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[1-9][0-9]*")
MAX_SUMMARY = 255


def valid_key(key: str) -> str:
    """The key upper-cased, or TicketNotFoundError: keys go into URL paths."""
    normalized = key.strip().upper()
    if not _KEY.fullmatch(normalized):
        raise TicketNotFoundError(key)
    return normalized


def valid_summary(summary: str) -> str:
    """The summary stripped; UsageError when empty, multi-line or too long."""
    text = summary.strip()
    if not text:
        raise UsageError("a ticket needs a summary; it was empty")
    if "\n" in text or "\r" in text:
        raise UsageError("a ticket summary must be one line")
    if len(text) > MAX_SUMMARY:
        raise UsageError(f"a ticket summary is at most {MAX_SUMMARY} characters")
    return text


def status_of(raw: dict[str, Any]) -> str:
    status = (raw.get("fields") or {}).get("status") or {}
    return str(status.get("name", ""))


def ticket(raw: dict[str, Any], comments: tuple[Comment, ...] = ()) -> Ticket:
    """An issue's JSON (v2 wiki or v3 ADF description) as a Ticket."""
    fields = raw.get("fields") or {}
    return Ticket(
        key=str(raw["key"]),
        summary=str(fields.get("summary") or ""),
        status=status_of(raw),
        description=text_of(fields.get("description")),
        comments=comments,
    )


def comment(raw: dict[str, Any]) -> Comment:
    """A comment's JSON as a Comment, its body as text."""
    author = raw.get("author") or {}
    return Comment(
        id=str(raw["id"]),
        body=text_of(raw.get("body")),
        created=parse_time(raw.get("created")),
        author=str(author.get("displayName") or author.get("name") or ""),
    )
