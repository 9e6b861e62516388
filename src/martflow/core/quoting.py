"""When a column name needs quoting: a lint dialect's rules for bare identifiers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from martflow.core.naming import IDENTIFIER_RE


@dataclass(frozen=True)
class IdentifierPolicy:
    """The dialect's naked-identifier pattern, reserved words and case folding.

    It mirrors sqlfluff's RF06 (unnecessary quotes): which names cannot be written bare
    in the dialect.
    """

    dialect: str
    naked: Callable[[str], bool]
    reserved: frozenset[str]
    keywords: frozenset[str]
    case_insensitive: bool
    fold_upper: bool

    def needs_quoting(self, name: str) -> bool:
        """True if ``name`` cannot be written as a bare identifier."""
        if not self.naked(name) or name.upper() in self.reserved:
            return True
        if self.case_insensitive:
            return False
        return name != (name.upper() if self.fold_upper else name.lower())

    def is_keyword(self, name: str) -> bool:
        """True for any reserved or unreserved keyword of the dialect."""
        return name.upper() in self.keywords


def is_plain(sql: str) -> bool:
    """True if ``sql`` is a lowercase ASCII identifier (safe for any template context)."""
    return bool(IDENTIFIER_RE.fullmatch(sql))
