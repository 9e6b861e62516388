"""Scaffolding's names: validated identifiers, snake_case column names, dbt-safe text.

The rules themselves (what an identifier is, how models are named) are ``core.naming``'s.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from martflow.core.naming import IDENTIFIER_RULE, MAX_IDENTIFIER, is_identifier
from martflow.errors import ScaffoldError

_CAMEL_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def validate_identifier(value: str, what: str) -> str:
    """Return ``value`` if it is a lowercase SQL identifier, else raise ScaffoldError."""
    if not is_identifier(value):
        raise ScaffoldError(
            f"{what} {value!r} is not a lowercase identifier ({IDENTIFIER_RULE}, "
            f"at most {MAX_IDENTIFIER} characters)"
        )
    return value


def snake_case(raw: str) -> str:
    """``"Customer ID"`` -> ``customer_id``, ``FirstName`` -> ``first_name``; may return ""."""
    ascii_text = (
        unicodedata.normalize("NFKD", raw.strip()).encode("ascii", "ignore").decode("ascii")
    )
    spaced = _CAMEL_ACRONYM.sub(r"\1_\2", _CAMEL_LOWER_UPPER.sub(r"\1_\2", ascii_text))
    return _NON_WORD.sub("_", spaced.lower()).strip("_")


def column_names(raw_names: Iterable[str], is_keyword: Callable[[str], bool]) -> list[str]:
    """Snake-case every warehouse column name, keeping the results distinct and valid.

    Empty results become ``column_<n>``; a leading digit gets ``col_``; SQL keywords get a
    trailing ``_`` (an alias like ``as date`` fails lint); collisions get ``_2``, ``_3``...
    """
    taken: set[str] = set()
    result: list[str] = []
    for position, raw in enumerate(raw_names, start=1):
        base = snake_case(raw) or f"column_{position}"
        if base[0].isdigit():
            base = f"col_{base}"
        base = base[: MAX_IDENTIFIER - 4]
        if is_keyword(base):
            base = f"{base}_"
        name, suffix = base, 2
        while name in taken:
            name, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(name)
        result.append(name)
    return result


def dbt_escape(text: str) -> str:
    """Make ``text`` render to itself through dbt's Jinja (every ``{`` becomes a literal)."""
    return text.replace("{", "{{ '{' }}")


def adapter_quoted(name: str) -> str:
    """``{{ adapter.quote('Product_ID') }}``: a warehouse column as the target's adapter quotes it.

    Every staging column is referenced this way, so the same model reads ``"Product_ID"``
    on Postgres and Snowflake and a backticked name on Spark or BigQuery. The name reaches
    dbt's Jinja only inside a string literal (``repr`` escapes quotes, backslashes and
    control characters; braces become ``\\x7b``/``\\x7d``, so no ``{{`` of a name ever
    appears in the file): any warehouse name is data, never template code.

    dbt's ``adapter.quote`` does not escape the quote character inside a name, so ``"``
    and a backtick are doubled here: right for the adapter quoting with that character,
    and for the other a name that does not exist (the build fails; nothing is injected).
    """
    return "{{ " + adapter_quote_call(name) + " }}"


def adapter_quote_call(name: str) -> str:
    """``adapter.quote('Product_ID')``: the Jinja expression inside ``adapter_quoted``."""
    escaped = name.replace('"', '""').replace("`", "``")
    literal = repr(escaped).replace("{", "\\x7b").replace("}", "\\x7d")
    return "adapter.quote(" + literal + ")"
