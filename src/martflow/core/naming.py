"""Pure helpers that turn untrusted ticket text into safe slugs and git branch names."""

from __future__ import annotations

import re
import string
import unicodedata

from martflow.errors import ConfigError, GitError

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_FORBIDDEN_REF_CHARS = frozenset(" ~^:?*[\\")
_PATTERN_FIELDS = frozenset({"key", "slug"})
_PATTERN_KEY = "[git].branch"


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
