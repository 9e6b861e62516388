"""Hostile ADF: a description nested far deeper than Python's recursion limit still renders."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from martflow.core.spec import extract_spec_text
from martflow.integrations.tracker.jira_text import adf_to_text

SPEC = "martflow:\n  mart: orders"


def nested(kind: str, depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    node = leaf
    for _ in range(depth):
        node = {"type": kind, "content": [node]}
    return {"type": "doc", "version": 1, "content": [node]}


def code_block(text: str) -> dict[str, Any]:
    return {"type": "codeBlock", "content": [{"type": "text", "text": text}]}


@pytest.mark.parametrize("kind", ["blockquote", "bulletList", "listItem", "codeBlock"])
def test_a_document_nested_beyond_the_recursion_limit_renders(kind):
    depth = sys.getrecursionlimit() * 50
    text = adf_to_text(nested(kind, depth, {"type": "text", "text": "deep"}))
    assert "deep" in text


def test_a_spec_at_the_bottom_of_deep_nesting_is_found():
    doc = nested("blockquote", 5_000, code_block(SPEC))
    assert extract_spec_text(adf_to_text(doc)) == SPEC + "\n"


def test_nested_code_blocks_make_one_fence_around_all_their_text():
    doc = nested("codeBlock", 3, {"type": "text", "text": "a: 1"})
    assert adf_to_text(doc) == "```yaml\na: 1\n```"


def test_lists_paragraphs_and_breaks_render_as_before():
    doc = {
        "type": "doc",
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Build this:"}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {
                                "type": "paragraph",
                                "content": [
                                    {"type": "text", "text": "one"},
                                    {"type": "hardBreak"},
                                    {"type": "mention", "attrs": {"text": "@ada"}},
                                ],
                            }
                        ],
                    },
                    {"type": "listItem", "content": [{"type": "text", "text": "two"}]},
                ],
            },
            code_block(SPEC),
        ],
    }
    assert adf_to_text(doc) == (
        "Build this:\n\n- one\n@ada\n\n- two\n\n```yaml\nmartflow:\n  mart: orders\n```"
    )
