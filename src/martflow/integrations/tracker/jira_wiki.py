"""A martflow Document as Jira wiki markup, the body Data Center's REST v2 takes.

Text from tickets is untrusted: every character wiki markup would act on is escaped, so
a summary cannot open a macro (``{html}``), a link, an image or a table in the comment.
"""

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

_SPECIAL = re.compile(r"[{}\[\]|*_+^~!?]")
_LINE_START = re.compile(r"^([ \t]*)([#-]|h[1-6]\.|bq\.)", re.MULTILINE)
_LANGUAGE = re.compile(r"[a-z0-9+#-]{1,20}")


def to_wiki(doc: Document) -> str:
    """The document as wiki text, blocks separated by blank lines."""
    return "\n\n".join(_block(block) for block in doc.blocks)


def escape(text: str) -> str:
    """``text`` shown literally by Jira's wiki renderer.

    A backslash escapes a special character; a backslash itself becomes ``&#92;``
    because ``\\\\`` is wiki for a line break. List and heading markers at the start
    of a line are escaped too.
    """
    text = text.replace("&#92;", "&amp;#92;").replace("\\", "&#92;")
    text = _SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _inline(block.parts) or " "
    if isinstance(block, BulletList):
        return "\n".join(f"* {_one_line(_inline(item))}" for item in block.items)
    if isinstance(block, Table):
        header = "||" + "||".join(_cell(escape(h)) for h in block.header) + "||"
        rows = ["|" + "|".join(_cell(_inline(c)) for c in row) + "|" for row in block.rows]
        return "\n".join([header, *rows])
    return _code_block(block)


def _inline(parts: Parts) -> str:
    out = []
    for part in parts:
        if isinstance(part, Code):
            out.append("{{" + _one_line(escape(part.text)) + "}}" if part.text.strip() else "")
        elif isinstance(part, Strong):
            text = part.text.strip()
            out.append(_around(part.text, f"*{_one_line(escape(text))}*") if text else part.text)
        elif isinstance(part, Link):
            out.append(_link(part))
        else:
            out.append(escape(part.text))
    return "".join(out)


def _around(original: str, marked: str) -> str:
    """``marked`` with the spaces ``original`` had around it (wiki effects need none inside)."""
    stripped = original.strip()
    start = original.index(stripped)
    return original[:start] + marked + original[start + len(stripped) :]


def _link(link: Link) -> str:
    url = link.url.replace("|", "%7C").replace("]", "%5D").replace("[", "%5B").replace(" ", "%20")
    if not link.text or link.text == link.url:
        return f"[{url}]"
    return f"[{_one_line(escape(link.text))}|{url}]"


def _cell(text: str) -> str:
    return _one_line(text).strip() or " "


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _code_block(block: CodeBlock) -> str:
    """``{code}``, else ``{noformat}`` when the text would close ``{code}``, else escaped lines."""
    body = block.text.rstrip("\n")
    language = block.language.lower()
    if "{code" not in body:
        head = f"{{code:{language}}}" if _LANGUAGE.fullmatch(language) else "{code}"
        return f"{head}\n{body}\n{{code}}"
    if "{noformat" not in body:
        return f"{{noformat}}\n{body}\n{{noformat}}"
    return "\n".join(
        "{{" + escape(line) + "}}" if line.strip() else "" for line in body.split("\n")
    )
