"""Cleaning generated from the data: which text columns are flags, which are categories.

A profile (``ColumnProfile``: a column's distinct ``lower(trim(value))`` with counts, over a
sample of the raw table) decides: a column whose values are all yes/no tokens (``Y``/``N``,
``yes``/``no``, ``true``/``false``, ``0``/``1``) becomes a boolean; a column with a few
repeating values is a category, trimmed and lower-cased, with an ``accepted_values`` test
on the values found. Keys (``..._id``, ``..._code``) and join columns are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from martflow.core.models import MAX_CATEGORIES, ColumnProfile

FLAG_TRUE = ("y", "yes", "true", "t", "1")
FLAG_FALSE = ("n", "no", "false", "f", "0")
_KEY_NAME = re.compile(r"(?:^|_)(?:id|key|code|uuid|guid|hash)$")
_FLAG_NAME = re.compile(r"^(?:is|has|can|was)_|_(?:flag|yn)$")
_SAFE_VALUE = re.compile(r"[^\x00-\x1f\x7f\\]{1,200}")
"""A category value an ``accepted_values`` test may list (no control characters, no
backslash: dbt's macro quotes but does not escape, and some warehouses read ``\\``)."""


@dataclass(frozen=True)
class Cleaning:
    """What staging does to one column: "" (nothing), "flag" or "category"."""

    kind: str = ""
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    """The normalized values found (sorted), for the accepted_values test."""
    testable: bool = False
    """The values can be listed in an accepted_values test (none is unsafe to quote)."""
    sampled: bool = False


def profiled(name: str, cast: str) -> bool:
    """Whether a text column is worth profiling: not a key, not cast to a date."""
    return not cast and not _KEY_NAME.search(name)


def cleaning_for(name: str, profile: ColumnProfile) -> Cleaning:
    """The cleaning a column's profile calls for (``Cleaning()`` when none)."""
    values = [value for value, _ in profile.values]
    if not values or len(values) > MAX_CATEGORIES:
        return Cleaning()
    found = set(values)
    if found <= {*FLAG_TRUE, *FLAG_FALSE}:
        true = tuple(v for v in FLAG_TRUE if v in found)
        false = tuple(v for v in FLAG_FALSE if v in found)
        if (true and false) or _FLAG_NAME.search(name):
            return Cleaning("flag", true, false)
    seen = sum(count for _, count in profile.values)
    if seen < 2 * len(values):
        return Cleaning()  # values barely repeat: names, not categories
    categories = tuple(sorted(found))
    testable = all(_SAFE_VALUE.fullmatch(v) for v in categories)
    return Cleaning("category", categories=categories, testable=testable, sampled=profile.sampled)


def describe(column: str, cleaning: Cleaning) -> str:
    """One line for the scaffold preview."""
    if cleaning.kind == "flag":
        tokens = "/".join((*cleaning.true_values, *cleaning.false_values))
        return f"{column}: text flag ({tokens}) -> boolean"
    if cleaning.kind == "category":
        shown = ", ".join(cleaning.categories[:6])
        more = f", ... ({len(cleaning.categories)} values)" if len(cleaning.categories) > 6 else ""
        return f"{column}: category, trimmed and lower-cased: {shown}{more}"
    return ""


def accepted_values(cleaning: Cleaning) -> list[str]:
    """The values of the accepted_values test, quoted for dbt's macro (``'`` doubled)."""
    return [value.replace("'", "''") for value in cleaning.categories]
