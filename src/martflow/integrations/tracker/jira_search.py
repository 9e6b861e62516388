"""Paging through a JQL search: Cloud's ``nextPageToken`` and Data Center's ``startAt``/``total``.

The loops are pure: each takes a ``fetch`` that reads one page, so the tracker keeps
its error mapping and the loops can be tested on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

PAGE_SIZE = 100
"""Tickets asked for per request; servers may send fewer (both loops allow it)."""
MAX_PAGES = 1000
"""A stop for a server that never says it is done (100,000 tickets at full pages)."""

Page = Mapping[str, Any]
Issues = list[dict[str, Any]]


def token_pages(fetch: Callable[[str | None], Page]) -> Iterator[Issues]:
    """Cloud ``/search/jql``: follow ``nextPageToken`` until it is absent or ``isLast``."""
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = fetch(token)
        issues = list(page.get("issues") or [])
        if issues:
            yield issues
        token = page.get("nextPageToken") or None
        if not issues or not token or page.get("isLast") is True or token in seen:
            return
        seen.add(token)


def offset_pages(fetch: Callable[[int], Page]) -> Iterator[Issues]:
    """Data Center ``/search``: advance ``startAt`` by what came back until ``total``."""
    start = 0
    for _ in range(MAX_PAGES):
        page = fetch(start)
        issues = list(page.get("issues") or [])
        if issues:
            yield issues
        start += len(issues)
        total = page.get("total")
        if not issues or (isinstance(total, int) and start >= total):
            return
