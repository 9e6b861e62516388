"""Every naming rule in one place: identifiers, dbt model names, slugs and branch names.

The dbt layers martflow writes are named here and nowhere else: ``stg_<source>__<table>``
(staging), ``int_<mart>__joined`` (intermediate), ``fct_<mart>``/``dim_<mart>`` (mart).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable

from martflow.errors import ConfigError, GitError

IDENTIFIER_RE = re.compile(r"[a-z_][a-z0-9_]*")
"""A lowercase SQL identifier: what may go into a file name, a model name or a template."""
IDENTIFIER_RULE = "[a-z_][a-z0-9_]*"
"""``IDENTIFIER_RE`` as users read it in error messages."""
MAX_IDENTIFIER = 63
"""Longest identifier (and derived model name) most warehouses keep; Postgres truncates."""
BARE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A name SQL can hold unquoted in any case: models and columns read back from a warehouse."""
SCHEMA_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
"""A warehouse schema name martflow will put into SQL (Snowflake allows ``$``)."""
MAX_SCHEMA_NAME = 127
"""Longest schema name the warehouse adapters accept."""

STAGING_PREFIX = "stg_"
"""How a staging model's name starts (generated or the project's own)."""
MART_PREFIXES = ("fct_", "dim_")
"""The prefixes martflow adds to a mart's name; the spec's ``mart`` must not carry one."""
SOURCE_TABLE_SEPARATOR = "__"
"""Separates source and table in ``stg_<source>__<table>``, so a source must not hold it."""
NOT_EMPTY_TEST = "martflow_not_empty"
"""martflow's generic test that a model has rows (project_scaffold/quality.py writes it)."""
NULL_RATE_TEST = "martflow_null_rate"
"""martflow's generic test that a column is empty in at most ``max_rate`` of the rows."""
GENERIC_TESTS_FILE = "martflow/martflow_checks.sql"
"""Where scaffolding writes those tests, under the project's first macro folder."""


def model_sql_files(files: Iterable[str]) -> list[str]:
    """A ticket's model files among what scaffolding wrote: ``.sql``, not the generic tests'
    macros file (dbt's templater lints models only), so CLI and TUI count the same files."""
    return [f for f in files if f.endswith(".sql") and not f.endswith(GENERIC_TESTS_FILE)]


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_FORBIDDEN_REF_CHARS = frozenset(" ~^:?*[\\")
_PATTERN_FIELDS = frozenset({"key", "slug"})
_PATTERN_KEY = "[git].branch"


def is_identifier(value: object, max_len: int = MAX_IDENTIFIER) -> bool:
    """True if ``value`` is a lowercase identifier of at most ``max_len`` characters."""
    return isinstance(value, str) and len(value) <= max_len and bool(IDENTIFIER_RE.fullmatch(value))


def is_bare_name(value: str, max_len: int | None = None) -> bool:
    """True if ``value`` can be written unquoted in SQL (any case), at most ``max_len`` long.

    The same shape names an environment variable and a model's file.
    """
    return (max_len is None or len(value) <= max_len) and bool(BARE_NAME_RE.fullmatch(value))


def is_schema_name(value: str, max_len: int | None = None) -> bool:
    """True if ``value`` is a schema name martflow may put into SQL unquoted."""
    return (max_len is None or len(value) <= max_len) and bool(SCHEMA_NAME_RE.fullmatch(value))


def is_project_name(value: object) -> bool:
    """True for a dbt project name: a lowercase identifier starting with a letter."""
    return is_identifier(value) and str(value)[0] != "_"


def staging_model(source: str, table: str) -> str:
    """``stg_<source>__<table>``: the staging model martflow generates for a raw table."""
    return f"{STAGING_PREFIX}{source}{SOURCE_TABLE_SEPARATOR}{table}"


def intermediate_model(mart: str) -> str:
    """``int_<mart>__joined``: the model that joins a mart's inputs."""
    return f"int_{mart}__joined"


def mart_model(kind: str, mart: str) -> str:
    """``fct_<mart>`` for a fact, ``dim_<mart>`` for a dimension."""
    return f"{'fct' if kind == 'fact' else 'dim'}_{mart}"


def surrogate_key(mart: str) -> str:
    """The column a multi-column grain's ``unique`` test runs on: ``<mart>_key``."""
    return f"{mart}_key"


def slugify(text: str, max_len: int = 40) -> str:
    """A lowercase ASCII slug of ``text``: ``[a-z0-9]`` runs joined by ``-``.

    Accents are folded (``é`` -> ``e``), everything else that is not a letter or a
    digit becomes a separator, so the result is always a safe ref component. Text
    with nothing usable in it gives ``"ticket"``.
    """
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", folded.lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "ticket"


def ref_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid branch name, or None if it is.

    The rules of ``git check-ref-format --branch``, in pure Python, plus one more:
    a lone ``@`` (shorthand for HEAD) is refused.
    """
    if not name:
        return "it is empty"
    if name.startswith("-"):
        return "it starts with '-'"
    if name == "@":
        return "it is '@'"
    if name == "HEAD":
        return "it is 'HEAD'"
    bad = next((c for c in name if ord(c) < 0o40 or ord(c) == 0o177), None)
    if bad is not None:
        return f"it contains the control character {bad!r}"
    bad = next((c for c in name if c in _FORBIDDEN_REF_CHARS), None)
    if bad is not None:
        return f"it contains {bad!r}"
    if ".." in name:
        return "it contains '..'"
    if "@{" in name:
        return "it contains '@{'"
    if name.endswith("."):
        return "it ends with '.'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "it has an empty path component"
    for part in name.split("/"):
        if part.startswith("."):
            return f"the component {part!r} starts with '.'"
        if part.endswith(".lock"):
            return f"the component {part!r} ends with '.lock'"
    return None


def branch_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a ``[git].branch`` pattern, or None if it can.

    Only ``{key}`` and ``{slug}`` may appear (no format spec or conversion), and the
    pattern must give a valid branch name for an ordinary key.
    """
    try:
        fields = [parsed for parsed in string.Formatter().parse(pattern) if parsed[1] is not None]
    except ValueError as exc:
        return f"pattern {pattern!r} is malformed: {exc}"
    for _, field, spec, conversion in fields:
        if field not in _PATTERN_FIELDS or spec or conversion:
            shown = "{" + (field or "") + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            return (
                f"pattern {pattern!r} uses the unknown placeholder {shown};"
                " only {key} and {slug} are allowed"
            )
    # Render with a known-good key, so a broken pattern is blamed on the config.
    sample_problem = ref_name_problem(pattern.format(key="ABC-1", slug="x"))
    if sample_problem is not None:
        return f"pattern {pattern!r} does not give a valid branch name: {sample_problem}"
    return None


def branch_name(pattern: str, key: str, summary: str) -> str:
    """Render the ``[git].branch`` pattern with ``{key}`` and ``{slug}`` (of ``summary``).

    Raises ConfigError if the pattern uses any other field or cannot give a valid
    branch name (config.toml validates it at load, so only a hand-built pattern can),
    and GitError if the ticket key is what makes the name invalid.
    """
    problem = branch_pattern_problem(pattern)
    if problem is not None:
        raise ConfigError(f"{_PATTERN_KEY} {problem}")
    name = pattern.format(key=key, slug=slugify(summary))
    problem = ref_name_problem(name)
    if problem is not None:
        raise GitError(f"ticket key {key!r} does not make a valid branch name: {problem}")
    return name
