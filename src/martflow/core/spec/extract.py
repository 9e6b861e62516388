"""Find a ticket's spec block in its description: markdown fences, Jira wiki blocks, ADF."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from typing import Any

_MARTFLOW_KEY = re.compile(r"^martflow[ \t]*:", re.MULTILINE)
_BARE_SPEC = re.compile(r"\A\s*(?:---[ \t]*\n\s*)?martflow[ \t]*:")
_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})[^`\n]*")
_WIKI_OPEN = re.compile(r"\{(code|noformat)(?::[^{}\n]{0,200})?\}")


def extract_spec_text(description: str | dict[str, Any]) -> str | None:
    """Find the YAML block with a top-level ``martflow:`` key in a ticket description.

    Looks in markdown fences (```` ``` ````, ```` ```yaml ````, ``~~~``), Jira wiki
    ``{code...}...{code}`` and ``{noformat}...{noformat}`` blocks, and, for an Atlassian
    Document Format dict, its ``codeBlock`` nodes. A description that is itself YAML
    starting with ``martflow:`` counts too. Markdown fences are tried before wiki blocks
    (so a fence pasted inside ``{noformat}`` is found), each in document order.

    Returns:
        The block's text, dedented, or None when no block has ``martflow:``.
    """
    if isinstance(description, Mapping):
        blocks = list(_adf_blocks(description))
    elif isinstance(description, str):
        text = description.replace("\r\n", "\n").replace("\r", "\n")
        blocks = [*_fenced_blocks(text), *_wiki_blocks(text)]
        if not blocks and _BARE_SPEC.match(text):
            blocks = [text]
    else:
        return None
    for block in blocks:
        dedented = textwrap.dedent(block).strip("\n")
        if _MARTFLOW_KEY.search(dedented):
            return dedented + "\n"
    return None


def _fenced_blocks(text: str) -> Iterator[str]:
    """Markdown fenced code blocks; an unclosed fence runs to the end (as in CommonMark)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opener = _FENCE.fullmatch(lines[i])
        i += 1
        if not opener:
            continue
        indent, fence = len(opener.group(1)), opener.group(2)
        closer = re.compile(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*")
        body: list[str] = []
        while i < len(lines) and not closer.fullmatch(lines[i]):
            body.append(_strip_indent(lines[i], indent))
            i += 1
        i += 1  # past the closing fence
        yield "\n".join(body)


def _strip_indent(line: str, indent: int) -> str:
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


def _wiki_blocks(text: str) -> Iterator[str]:
    """Jira wiki ``{code:...}`` / ``{noformat}`` blocks."""
    unclosed: set[str] = set()
    pos = 0
    while match := _WIKI_OPEN.search(text, pos):
        kind = match.group(1)
        pos = match.end()
        # Once a kind has no closer after some point, no later opener has one either:
        # skipping them keeps hostile descriptions linear.
        if kind in unclosed:
            continue
        end = text.find("{" + kind + "}", match.end())
        if end < 0:
            unclosed.add(kind)
            continue
        yield text[match.end() : end]
        pos = end + len(kind) + 2


def _adf_blocks(doc: Mapping[str, Any]) -> Iterator[str]:
    """The text of every ADF ``codeBlock`` node, in document order."""
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        content = node.get("content")
        children = content if isinstance(content, list) else []
        if node.get("type") == "codeBlock":
            text = "".join(_adf_text(child) for child in children)
            yield text.replace("\r\n", "\n").replace("\r", "\n")
        else:
            stack.extend(reversed(children))


def _adf_text(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    if node.get("type") == "hardBreak":
        return "\n"
    text = node.get("text")
    return text if node.get("type") == "text" and isinstance(text, str) else ""
