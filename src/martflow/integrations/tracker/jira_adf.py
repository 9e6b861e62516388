"""A martflow Document as Atlassian Document Format, the body Jira Cloud's REST v3 takes.

Only the writing direction: reading ADF as text is ``jira_text.adf_to_text``.
"""

from __future__ import annotations

from typing import Any

from martflow.core.document import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    Document,
    Link,
    Paragraph,
    Parts,
    Strong,
    Table,
    Text,
)

Node = dict[str, Any]


def to_adf(doc: Document) -> Node:
    """The document as an ADF ``doc`` node (version 1)."""
    return {"type": "doc", "version": 1, "content": [_block(block) for block in doc.blocks]}


def _block(block: Block) -> Node:
    if isinstance(block, Paragraph):
        return _paragraph(block.parts)
    if isinstance(block, BulletList):
        items = [{"type": "listItem", "content": [_paragraph(item)]} for item in block.items]
        return {"type": "bulletList", "content": items}
    if isinstance(block, Table):
        return _table(block)
    return _code_block(block)


def _paragraph(parts: Parts) -> Node:
    return {"type": "paragraph", "content": _inline(parts)}


def _inline(parts: Parts) -> list[Node]:
    """Text nodes with marks; a line break becomes a ``hardBreak`` (ADF text has none)."""
    nodes: list[Node] = []
    for part in parts:
        marks = _marks(part)
        for index, line in enumerate(part.text.replace("\r\n", "\n").split("\n")):
            if index:
                nodes.append({"type": "hardBreak"})
            if line:  # ADF refuses empty text nodes
                node: Node = {"type": "text", "text": line}
                if marks:
                    node["marks"] = marks
                nodes.append(node)
    return nodes


def _marks(part: object) -> list[Node]:
    if isinstance(part, Code):
        return [{"type": "code"}]
    if isinstance(part, Strong):
        return [{"type": "strong"}]
    if isinstance(part, Link):
        return [{"type": "link", "attrs": {"href": part.url}}]
    return []


def _table(table: Table) -> Node:
    def row(cells: list[Node], cell_type: str) -> Node:
        return {
            "type": "tableRow",
            "content": [{"type": cell_type, "attrs": {}, "content": [cell]} for cell in cells],
        }

    header = row([_paragraph((Text(h),)) for h in table.header], "tableHeader")
    rows = [row([_paragraph(cell) for cell in cells], "tableCell") for cells in table.rows]
    return {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
        "content": [header, *rows],
    }


def _code_block(block: CodeBlock) -> Node:
    node: Node = {"type": "codeBlock", "attrs": {"language": block.language or "text"}}
    if block.text:
        node["content"] = [{"type": "text", "text": block.text}]
    return node
