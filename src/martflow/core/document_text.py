"""A Document as plain text with light markdown: what the local tracker shows and stores."""

from __future__ import annotations

import re

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
)


def render_text(doc: Document) -> str:
    """Blocks separated by blank lines; code spans in backticks, tables as pipe tables.

    Every piece of text and every URL is in it, so it is also what the secret scanner
    checks before a comment leaves the machine.
    """
    return "\n\n".join(text for text in (_block(b) for b in doc.blocks) if text.strip())


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _inline(block.parts)
    if isinstance(block, BulletList):
        return "\n".join(f"- {_inline(item)}" for item in block.items)
    if isinstance(block, Table):
        return _table(block)
    return _fence(block)


def _inline(items: Parts) -> str:
    out = []
    for item in items:
        if isinstance(item, Code):
            out.append(_code_span(item.text))
        elif isinstance(item, Strong):
            out.append(f"**{item.text}**" if item.text.strip() else item.text)
        elif isinstance(item, Link):
            out.append(item.url if item.text in ("", item.url) else f"{item.text} ({item.url})")
        else:
            out.append(item.text)
    return "".join(out)


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _table(table: Table) -> str:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    def cell(parts: Parts) -> str:
        return " ".join(_inline(parts).split()).replace("|", "\\|")

    lines = [row([" ".join(h.split()).replace("|", "\\|") for h in table.header])]
    lines.append(row(["---"] * len(table.header)))
    lines.extend(row([cell(c) for c in r]) for r in table.rows)
    return "\n".join(lines)


def _fence(block: CodeBlock) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", block.text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{block.language}\n{block.text.rstrip(chr(10))}\n{fence}"
