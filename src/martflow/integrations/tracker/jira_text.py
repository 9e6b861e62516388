"""Jira text as martflow reads it: ADF to plain text, older versions' op-id footer, timestamps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

MARKER_PREFIX = "martflow-op: "
"""The footer line earlier martflow versions ended comments with (now a comment property)."""

_MARKER_LINE = re.compile(r"\n?martflow-op: (\S+)[ \t]*\Z")
_OP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_BLOCKS_WITH_BREAK = frozenset(
    {"paragraph", "heading", "blockquote", "rule", "panel", "table", "mediaSingle"}
)


def valid_op_id(op_id: str) -> bool:
    """True when ``op_id`` is a short token (it is stored in a comment property)."""
    return bool(_OP_ID.fullmatch(op_id))


def marker_of(body: str) -> str | None:
    """The op id in the comment's LAST line, if it is a martflow footer.

    Only the last line counts: untrusted text quoted earlier in a comment cannot
    impersonate an operation.
    """
    match = _MARKER_LINE.search(body.replace("\r\n", "\n").rstrip("\n"))
    return match.group(1) if match else None


def text_of(value: Any) -> str:
    """A description or comment body as text: v2 wiki strings as they are, ADF rendered."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, Mapping):
        return adf_to_text(value)
    return str(value)


def adf_to_text(doc: Mapping[str, Any]) -> str:
    """Plain text of an Atlassian Document Format tree, however deep it nests.

    Code blocks become markdown fences (tagged with their language, ``yaml`` when
    untagged) so ``core.spec.extract_spec_text`` finds a spec in them. The tree is
    walked with an explicit stack, each piece of text copied once: a hostile document
    nested a million levels deep neither hits the recursion limit nor takes quadratic time.
    """
    return re.sub(r"\n{3,}", "\n\n", _render(doc)).strip("\n")


def _render(root: Any) -> str:
    out: list[str] = []
    code: list[str] | None = None
    """The open (outermost) code block's text; nested code blocks are plain text in it."""
    code_node: Mapping[str, Any] | None = None
    stack: list[tuple[Any, bool]] = [(root, False)]  # (node, leaving it)
    while stack:
        node, leaving = stack.pop()
        target = out if code is None else code
        if leaving:
            if node is code_node:
                out.append(_fence(node, "".join(code or [])))
                code, code_node = None, None
            else:
                target.append(_closing(node.get("type")))
            continue
        if not isinstance(node, Mapping):
            continue
        kind = node.get("type")
        leaf = _leaf(node, kind)
        if leaf is not None:
            target.append(leaf)
            continue
        if kind == "codeBlock" and code is None:
            code, code_node = [], node
        elif kind == "listItem":
            target.append("- ")
        content = node.get("content")
        stack.append((node, True))
        if isinstance(content, list):
            stack.extend((child, False) for child in reversed(content))
    return "".join(out)


def _leaf(node: Mapping[str, Any], kind: object) -> str | None:
    """The text of a node without children, or None for a container."""
    if kind == "text":
        text = node.get("text")
        return text if isinstance(text, str) else ""
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str((node.get("attrs") or {}).get("url", ""))
    return None


def _closing(kind: object) -> str:
    if kind == "listItem" or kind in ("bulletList", "orderedList", "tableRow"):
        return "\n"
    if kind in _BLOCKS_WITH_BREAK:
        return "\n\n"
    return ""


def _fence(node: Mapping[str, Any], text: str) -> str:
    code = text.replace("\r\n", "\n").rstrip("\n")
    language = str((node.get("attrs") or {}).get("language") or "yaml")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"\n{fence}{language}\n{code}\n{fence}\n\n"


def parse_time(value: Any) -> datetime:
    """A Jira timestamp (``2012-01-11T10:02:14.430+1300``) as an aware datetime."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    # A missing or odd timestamp must not hide the comment; the epoch marks it unknown.
    return datetime.fromtimestamp(0, UTC)
