"""Appending to a hand-written YAML list without moving its comments (ruamel round trip).

ruamel keeps the comment lines that follow a list's last item on that item, so a plain
``append`` puts the new item after them: below a ``# CRM`` heading that introduces the
next source, say. Here such trailing lines move below the new item.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

_Holder = tuple[CommentedMap | CommentedSeq, object, int]


def append_keeping_comments(items: CommentedSeq, item: object) -> None:
    """``items.append(item)``, keeping comment lines after the old last item below the new."""
    moved = _detach_trailing_lines(items) if items else ""
    items.append(item)
    if moved:
        node, key, pos = _holders(items)[-1]
        slots = node.ca.items.setdefault(key, [None] * 4)
        slots.extend([None] * (pos + 1 - len(slots)))
        slots[pos] = CommentToken("\n" + moved, CommentMark(0), None)


def _detach_trailing_lines(items: CommentedSeq) -> str:
    """Remove and return the full comment/blank lines after the last item's last line.

    ruamel keeps them either after the last scalar (in its container's comment slot) or
    as the end comments of a nested collection.
    """
    for node, key, pos in reversed(_holders(items)):
        if node is not items and node.ca.end:
            moved = "".join(token.value for token in node.ca.end)
            node.ca.end = []
            return moved
        slots = node.ca.items.get(key)
        token = slots[pos] if slots and len(slots) > pos else None
        if not isinstance(token, CommentToken):
            continue
        # The token starts with the rest of the value's line ("  # note\n" or "\n").
        end_of_line = token.value.find("\n")
        if end_of_line < 0 or not token.value[end_of_line + 1 :]:
            return ""
        moved = token.value[end_of_line + 1 :]
        token.value = token.value[: end_of_line + 1]
        return moved
    return ""


def _holders(node: object) -> list[_Holder]:
    """(container, key, comment slot) of each last entry, from ``node`` down to its last line."""
    found: list[_Holder] = []
    while True:
        if isinstance(node, CommentedMap) and node:
            key: object = list(node)[-1]
            value, pos = node[key], 2  # a mapping keeps the comment after a value in slot 2
        elif isinstance(node, CommentedSeq) and node:
            key = len(node) - 1
            value, pos = node[key], 0
        else:
            return found
        found.append((node, key, pos))
        if not isinstance(value, CommentedMap | CommentedSeq) or not value:
            return found
        if value.fa.flow_style():  # [a, b] ends on one line: its comment is on the key
            return found
        node = value
