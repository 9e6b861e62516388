"""A neutral comment document: paragraphs, code spans, links, lists, tables and code blocks.

Steps build what they tell the PM as a ``Document``; each tracker adapter renders it in
its own format (Jira Cloud: ADF, Data Center: wiki text, the local tracker: plain text).
The outbox stores it as JSON (``to_payload``); rows queued by older versions hold plain
text, which ``from_payload`` still reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PAYLOAD_VERSION = 1
"""The version of the outbox JSON shape; older rows are plain text."""


# -- inline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Ordinary text; may contain line breaks."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Text shown in bold (a verdict such as "failed")."""

    text: str


@dataclass(frozen=True)
class Code:
    """A code span: a model, branch, file or commit name."""

    text: str


@dataclass(frozen=True)
class Link:
    """A web link with its visible text."""

    text: str
    url: str


Inline = Text | Strong | Code | Link
Parts = tuple[Inline, ...]


# -- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    parts: Parts


@dataclass(frozen=True)
class BulletList:
    items: tuple[Parts, ...]


@dataclass(frozen=True)
class Table:
    """A table with a header row; every row has one cell per header."""

    header: tuple[str, ...]
    rows: tuple[tuple[Parts, ...], ...]


@dataclass(frozen=True)
class CodeBlock:
    """Preformatted text (a spec), kept exactly."""

    text: str
    language: str = ""


Block = Paragraph | BulletList | Table | CodeBlock


@dataclass(frozen=True)
class Document:
    """What martflow tells the PM in one comment."""

    blocks: tuple[Block, ...] = field(default=())

    def __add__(self, other: Document) -> Document:
        """This document followed by ``other`` (to extend a step's comment)."""
        return Document(self.blocks + other.blocks)

    def __bool__(self) -> bool:
        return any(_has_text(block) for block in self.blocks)

    def to_payload(self) -> str:
        """The JSON the outbox stores."""
        return json.dumps(
            {"martflow_document": PAYLOAD_VERSION, "blocks": [_block_json(b) for b in self.blocks]},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_payload(cls, payload: str) -> Document:
        """A document from an outbox payload; plain text (older rows) becomes paragraphs."""
        try:
            data = json.loads(payload)
        except ValueError:
            return cls.from_text(payload)
        if not isinstance(data, Mapping) or data.get("martflow_document") != PAYLOAD_VERSION:
            return cls.from_text(payload)
        try:
            return cls(tuple(_block(item) for item in data["blocks"]))
        except (KeyError, TypeError, ValueError):
            return cls.from_text(payload)

    @classmethod
    def from_text(cls, text: str) -> Document:
        """Plain text as paragraphs (split at blank lines; single line breaks kept)."""
        chunks = re.split(r"\n(?:[ \t]*\n)+", text.replace("\r\n", "\n").strip("\n"))
        return cls(tuple(Paragraph((Text(chunk),)) for chunk in chunks if chunk.strip()))


# -- builders -------------------------------------------------------------------------------

PartLike = str | Inline


def code(text: str) -> Code:
    """A code span."""
    return Code(text)


def strong(text: str) -> Strong:
    """Bold text."""
    return Strong(text)


def link(text: str, url: str) -> Link:
    """A web link."""
    return Link(text, url)


def parts(*items: PartLike) -> Parts:
    """Inline parts; plain strings become ``Text``."""
    return tuple(Text(item) if isinstance(item, str) else item for item in items if item != "")


def paragraph(*items: PartLike) -> Paragraph:
    """A paragraph of text, code spans and links."""
    return Paragraph(parts(*items))


def bullets(items: Iterable[PartLike | tuple[PartLike, ...]]) -> BulletList:
    """A bullet list; each item is a string, one inline or a tuple of inlines."""
    return BulletList(tuple(_cell(item) for item in items))


def table(
    header: Iterable[str], rows: Iterable[Iterable[PartLike | tuple[PartLike, ...]]]
) -> Table:
    """A table; each cell is a string, one inline or a tuple of inlines.

    Raises:
        ValueError: a row has more or fewer cells than the header.
    """
    head = tuple(header)
    body = tuple(tuple(_cell(cell) for cell in row) for row in rows)
    for row in body:
        if len(row) != len(head):
            raise ValueError(f"a table row has {len(row)} cells for {len(head)} columns")
    return Table(head, body)


def document(*blocks: Block) -> Document:
    """A document of these blocks, in order."""
    return Document(tuple(blocks))


def _cell(item: PartLike | tuple[PartLike, ...]) -> Parts:
    return parts(*item) if isinstance(item, tuple) else parts(item)


def inline_text(items: Parts) -> str:
    """The characters of inline parts, without any markup."""
    return "".join(item.text for item in items)


def _has_text(block: Block) -> bool:
    if isinstance(block, Paragraph):
        return bool(inline_text(block.parts).strip())
    if isinstance(block, BulletList):
        return any(inline_text(item).strip() for item in block.items)
    if isinstance(block, Table):
        return bool(block.rows or any(h.strip() for h in block.header))
    return bool(block.text.strip())


# -- JSON ------------------------------------------------------------------------------------

_INLINE_TYPES: dict[str, type[Text | Strong | Code]] = {
    "text": Text,
    "strong": Strong,
    "code": Code,
}


def _inline_json(item: Inline) -> dict[str, str]:
    if isinstance(item, Link):
        return {"type": "link", "text": item.text, "url": item.url}
    name = {Text: "text", Strong: "strong", Code: "code"}[type(item)]
    return {"type": name, "text": item.text}


def _inline(data: Mapping[str, Any]) -> Inline:
    kind, text = data["type"], data["text"]
    if not isinstance(text, str):
        raise TypeError("inline text must be a string")
    if kind == "link":
        return Link(text, str(data["url"]))
    return _INLINE_TYPES[kind](text)


def _parts_json(items: Parts) -> list[dict[str, str]]:
    return [_inline_json(item) for item in items]


def _parts(data: Iterable[Mapping[str, Any]]) -> Parts:
    return tuple(_inline(item) for item in data)


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "parts": _parts_json(block.parts)}
    if isinstance(block, BulletList):
        return {"type": "bullets", "items": [_parts_json(item) for item in block.items]}
    if isinstance(block, Table):
        return {
            "type": "table",
            "header": list(block.header),
            "rows": [[_parts_json(cell) for cell in row] for row in block.rows],
        }
    return {"type": "code_block", "text": block.text, "language": block.language}


def _block(data: Mapping[str, Any]) -> Block:
    kind = data["type"]
    if kind == "paragraph":
        return Paragraph(_parts(data["parts"]))
    if kind == "bullets":
        return BulletList(tuple(_parts(item) for item in data["items"]))
    if kind == "table":
        header = tuple(str(h) for h in data["header"])
        rows = tuple(tuple(_parts(cell) for cell in row) for row in data["rows"])
        return Table(header, rows)
    if kind == "code_block":
        return CodeBlock(str(data["text"]), str(data.get("language") or ""))
    raise ValueError(f"unknown block type {kind!r}")
