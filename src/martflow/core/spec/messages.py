"""How spec problems are worded: collected per field, values shown quoted on one line."""

from __future__ import annotations

import difflib
import unicodedata

from martflow.core.naming import IDENTIFIER_RE, IDENTIFIER_RULE, MAX_IDENTIFIER
from martflow.errors import SpecError

_IDENT_RULE = f"must be a lowercase identifier ({IDENTIFIER_RULE})"


class _Problems:
    """Every problem found, in document order, as (field path, reason)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, reason: str) -> None:
        self.items.append((path, reason))

    def error(self, source: str) -> SpecError:
        lines = [f"{path}: {reason}" for path, reason in self.items]
        more = len(lines) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        return SpecError(f"{source}: {lines[0]}{suffix}", field=self.items[0][0], problems=lines)


def _ident_reason(value: object, what: str) -> str | None:
    """Why ``value`` is not an identifier, or None when it is one."""
    label = f"{what} " if what else ""
    if not isinstance(value, str):
        return f"{label}{_IDENT_RULE}, not {_kind(value)}".lstrip()
    if len(value) > MAX_IDENTIFIER:
        return f"{label}{_show(value)} is {len(value)} characters; the limit is {MAX_IDENTIFIER}"
    if IDENTIFIER_RE.fullmatch(value):
        return None
    hint = ""
    if odd := next((ch for ch in value if not ch.isascii()), None):
        hint = f"; it contains U+{ord(odd):04X} {unicodedata.name(odd, 'an unnamed character')}"
    return f"{label}{_show(value)} {_IDENT_RULE}{hint}"


def _too_long_model(model: str) -> str:
    return f"makes the model name {model} {len(model)} characters; the limit is {MAX_IDENTIFIER}"


def _unknown_key(key: object, allowed: tuple[str, ...]) -> str:
    if isinstance(key, str) and (close := difflib.get_close_matches(key, allowed, n=1)):
        return f'unknown key {_show(key)}; did you mean "{close[0]}"?'
    return f"unknown key {_describe(key)}; expected one of {', '.join(allowed)}"


def _type_reason(value: object, expected: str) -> str:
    if value is None:
        return f"is empty; expected {expected}"
    return f"must be {expected}, not {_kind(value)}"


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as booleans; quote it)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _describe(value: object) -> str:
    return _show(value) if isinstance(value, str) else _kind(value)


def _show(value: str, limit: int = 60) -> str:
    """``value`` quoted on one line: shortened, with unprintable characters escaped."""
    text = value if len(value) <= limit else value[:limit] + "…"
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'
