"""A sqlfluff dialect's identifier rules, as ``core.ports.SqlDialects`` (RF06's view of them)."""

from __future__ import annotations

import contextlib
import threading
from functools import lru_cache
from typing import Any

from martflow.core.quoting import IdentifierPolicy
from martflow.errors import ScaffoldError


class SqlfluffDialects:
    """Implements ``core.ports.SqlDialects``; policies are built once per dialect."""

    def preload(self, dialect: str) -> None:
        """Start building ``dialect``'s policy in a thread: sqlfluff's dialect takes a while
        to load, and scaffolding can wait for the dbt worker meanwhile."""
        preload_policy(dialect)

    def identifier_policy(self, dialect: str) -> IdentifierPolicy:
        """The policy for a sqlfluff dialect name (``duckdb``, ``snowflake``...)."""
        return identifier_policy(dialect)


_PRELOADS: dict[str, threading.Thread] = {}
_PRELOADS_LOCK = threading.Lock()


def preload_policy(dialect: str = "duckdb") -> None:
    """Start building ``dialect``'s policy in a thread: sqlfluff's dialect takes a while to
    load, and scaffolding can wait for the dbt worker meanwhile."""
    with _PRELOADS_LOCK:
        if dialect in _PRELOADS:
            return
        thread = threading.Thread(target=_quiet_build, args=(dialect,), daemon=True)
        _PRELOADS[dialect] = thread
    thread.start()


def _quiet_build(dialect: str) -> None:
    with contextlib.suppress(Exception):  # identifier_policy() raises it again, in context
        _build_policy(dialect)


def identifier_policy(dialect: str = "duckdb") -> IdentifierPolicy:
    """The policy for a sqlfluff dialect name (``duckdb``, ``snowflake``...)."""
    preloading = _PRELOADS.get(dialect)
    if preloading is not None:
        preloading.join()
    return _build_policy(dialect)


@lru_cache(maxsize=8)
def _build_policy(dialect: str) -> IdentifierPolicy:
    # sqlfluff is heavy to import; only scaffolding and lint need it.
    import regex
    from sqlfluff.core.dialects import dialect_selector

    try:
        selected = dialect_selector(dialect)
    except KeyError as exc:
        raise ScaffoldError(f"unknown SQL dialect {dialect!r}") from exc
    # No public API exposes the dialect's naked-identifier pattern; RF06 reads it the same way.
    parser: Any = selected._library["NakedIdentifierSegment"]
    reserved = frozenset(selected.sets("reserved_keywords"))
    keywords = reserved | selected.sets("unreserved_keywords")
    keywords |= selected.sets("future_reserved_keywords")
    anti = regex.compile(parser.anti_template, regex.IGNORECASE)
    template = regex.compile(parser.template, regex.IGNORECASE)

    def naked(name: str) -> bool:
        return bool(template.fullmatch(name)) and not anti.fullmatch(name)

    casefold = getattr(parser, "casefold", None)
    return IdentifierPolicy(
        dialect=dialect,
        naked=naked,
        reserved=reserved,
        keywords=frozenset(keywords),
        case_insensitive=dialect in {"duckdb", "sparksql"} or casefold is None,
        fold_upper=casefold is str.upper,
    )
