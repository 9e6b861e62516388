"""Rendering a comment document for Jira: ADF for Cloud (REST v3), wiki text for Data Center."""

from __future__ import annotations

from typing import Any

import pytest

from martflow.core.document import CodeBlock, bullets, code, document, link, paragraph, strong
from martflow.core.reports import BuildReport, NodeResult
from martflow.core.workflow import comments
from martflow.integrations.tracker.jira_adf import to_adf
from martflow.integrations.tracker.jira_text import adf_to_text
from martflow.integrations.tracker.jira_wiki import escape, to_wiki
from tests.contract.test_jira_tracker_contract import wiki_unescape
from tests.integrations.jira_recorded import adf_problems

REPORT = BuildReport(
    "inv-1",
    (
        NodeResult("model.shop.stg_shop__orders", "stg_shop__orders", "model", "success", 0.5),
        NodeResult("test.shop.unique_fct", "unique_fct_orders_id", "test", "pass", 0.25),
    ),
)


def nodes_of(node: Any, kind: str) -> list[dict[str, Any]]:
    found = [node] if isinstance(node, dict) and node.get("type") == kind else []
    for child in node.get("content") or [] if isinstance(node, dict) else []:
        found += nodes_of(child, kind)
    return found


def test_the_build_comment_is_valid_adf_with_a_table_and_code_marks() -> None:
    adf = to_adf(comments.built(REPORT, "1 models built, 1/1 tests passed"))
    assert adf_problems(adf) == []
    (grid,) = nodes_of(adf, "table")
    header, *rows = grid["content"]
    assert [adf_to_text(cell) for cell in header["content"]] == [
        "node",
        "type",
        "status",
        "seconds",
    ]
    assert {c["type"] for c in header["content"]} == {"tableHeader"}
    assert [adf_to_text(row["content"][0]) for row in rows] == [
        "stg_shop__orders",
        "unique_fct_orders_id",
    ]
    name = rows[0]["content"][0]["content"][0]["content"][0]
    assert name == {"type": "text", "text": "stg_shop__orders", "marks": [{"type": "code"}]}
    verdict = nodes_of(adf, "paragraph")[0]["content"]
    assert {"type": "text", "text": "passed", "marks": [{"type": "strong"}]} in verdict


def test_adf_line_breaks_links_lists_and_code_blocks() -> None:
    doc = document(
        paragraph("two\nlines", " see ", link("it", "https://x.example/a")),
        bullets([code("a"), "b"]),
        CodeBlock("martflow:\n  mart: x", "yaml"),
        paragraph(""),
    )
    adf = to_adf(doc)
    assert adf_problems(adf) == []
    first = adf["content"][0]["content"]
    assert first[:3] == [
        {"type": "text", "text": "two"},
        {"type": "hardBreak"},
        {"type": "text", "text": "lines"},
    ]
    assert first[-1]["marks"] == [{"type": "link", "attrs": {"href": "https://x.example/a"}}]
    assert adf["content"][2] == {
        "type": "codeBlock",
        "attrs": {"language": "yaml"},
        "content": [{"type": "text", "text": "martflow:\n  mart: x"}],
    }
    assert adf["content"][3] == {"type": "paragraph", "content": []}


def test_the_build_comment_as_wiki_text() -> None:
    wiki = to_wiki(comments.built(REPORT, "1 models built, 1/1 tests passed"))
    assert wiki.splitlines() == [
        "martflow build *passed*: 1 models built, 1/1 tests passed.",
        "",
        "||node||type||status||seconds||",
        "|{{stg\\_shop\\_\\_orders}}|model|success|0.50|",
        "|{{unique\\_fct\\_orders\\_id}}|test|pass|0.25|",
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        "{html}<script>alert(1)</script>{html}",
        "[click|https://evil.example]",
        "!https://evil.example/pixel.png!",
        "a | b || c",
        "*bold* _it_ -strike- +under+ ^sup^ ~sub~ ??cite??",
        "C:\\temp\\new \\\\ not a break",
        "# not a list\n- nor this\nh1. nor a heading\nbq. nor a quote",
        "{code}closing{code} {noformat}",
    ],
)
def test_untrusted_text_is_escaped_in_wiki(hostile: str) -> None:
    escaped = escape(hostile)
    assert wiki_unescape(escaped) == hostile
    for opener in ("{", "[", "!", "|", "*", "_", "\\\\"):
        assert opener not in escaped.replace("\\" + opener[0], "").replace("&#92;", "")
    for line in escaped.splitlines():
        assert not line.startswith(("#", "-", "h1.", "bq."))


def test_a_code_block_that_would_close_itself_uses_noformat_or_escaped_lines() -> None:
    assert to_wiki(document(CodeBlock("a: 1", "yaml"))) == "{code:yaml}\na: 1\n{code}"
    closing = to_wiki(document(CodeBlock("dashboard: x {code} y", "yaml")))
    assert closing == "{noformat}\ndashboard: x {code} y\n{noformat}"
    both = to_wiki(document(CodeBlock("a: {code}\nb: {noformat}", "yaml")))
    assert both == "{{a: \\{code\\}}}\n{{b: \\{noformat\\}}}"


def test_wiki_lists_links_and_strong_keep_their_spaces() -> None:
    doc = document(
        paragraph("see ", link("the board", "https://x.example/a|b"), " now"),
        paragraph("it ", strong(" failed "), "!"),
        bullets(["one\ntwo", code("m")]),
    )
    assert to_wiki(doc) == (
        "see [the board|https://x.example/a%7Cb] now\n\nit  *failed* \\!\n\n* one two\n* {{m}}"
    )
