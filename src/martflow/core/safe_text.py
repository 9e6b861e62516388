"""Untrusted text made safe to show: control, escape, bidi and invisible characters escaped.

Every front end (CLI, TUI, logs) passes ticket-derived text through ``visible`` before
a terminal sees it, so a summary cannot move the cursor, retitle the window, hide text
behind a right-to-left override or smuggle a zero-width character into a name.
"""

from __future__ import annotations

import unicodedata

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls (ESC, C1, DEL), format characters (bidi, zero-width), surrogates, separators."""
SCRIPT_JOINERS = frozenset({"\u200c", "\u200d"})
"""Zero-width (non-)joiners: invisible, but needed by some scripts and emoji sequences."""


def is_hidden(ch: str) -> bool:
    """True for a character a terminal would act on or not show (newline and tab included)."""
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES


def escape_char(ch: str) -> str:
    """``ch`` as a visible Python-style escape: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, *, keep_newlines: bool = False, keep_tabs: bool = False) -> str:
    """``text`` with every hidden character escaped (idempotent: escapes are printable).

    ``keep_newlines`` keeps ``\\n`` (a ``\\r\\n`` pair becomes ``\\n``) for multi-line
    text such as descriptions and diffs; ``keep_tabs`` keeps ``\\t``.
    """
    if keep_newlines:
        text = text.replace("\r\n", "\n")
    if text.isascii() and text.isprintable():
        return text
    kept = ("\n" if keep_newlines else "") + ("\t" if keep_tabs else "")
    return "".join(escape_char(ch) if is_hidden(ch) and ch not in kept else ch for ch in text)


def first_hidden(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first hidden character of ``text`` not in ``allowed``, or None."""
    return next((ch for ch in text if is_hidden(ch) and ch not in allowed), None)


def describe_char(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how an error names a character."""
    fallback = "a control character" if unicodedata.category(ch) == "Cc" else "unnamed"
    return f"U+{ord(ch):04X} {unicodedata.name(ch, fallback)}"


def clip(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to ``limit`` characters at a line end when one is near, and how many
    characters were left out."""
    if len(text) <= limit:
        return text, 0
    cut = text.rfind("\n", limit // 2, limit)
    end = cut if cut > 0 else limit
    return text[:end], len(text) - end
