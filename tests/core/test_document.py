"""The neutral comment document: builders, the outbox payload, plain text, step comments."""

from __future__ import annotations

import pytest

from martflow.core.document import (
    Code,
    CodeBlock,
    Document,
    Link,
    Paragraph,
    Strong,
    Table,
    Text,
    bullets,
    code,
    document,
    link,
    paragraph,
    strong,
    table,
)
from martflow.core.document_text import render_text
from martflow.core.reports import BuildReport, LintViolation, NodeResult
from martflow.core.workflow import comments

EVERYTHING = document(
    paragraph("Built ", code("fct_orders"), " on ", link("the dashboard", "https://t.example/x")),
    bullets(["plain", code("stg_shop__orders"), (strong("bold"), " and text")]),
    table(("node", "status"), [(code("fct_orders"), "pass"), ("a | b", strong("fail"))]),
    CodeBlock("martflow:\n  mart: orders\n", "yaml"),
)


def test_payload_round_trips_every_block_and_inline() -> None:
    assert Document.from_payload(EVERYTHING.to_payload()) == EVERYTHING


@pytest.mark.parametrize(
    "legacy",
    [
        "martflow linted 4 models with sqlfluff: clean.",
        "martflow build passed.\n||node||status||\n|fct_orders|pass|",
        '{"not": "a martflow document"}',
        '{"martflow_document": 1, "blocks": [{"type": "nonsense"}]}',
    ],
)
def test_plain_text_payloads_of_older_versions_become_paragraphs(legacy: str) -> None:
    doc = Document.from_payload(legacy)
    assert doc.blocks
    assert all(isinstance(block, Paragraph) for block in doc.blocks)
    assert render_text(doc) == legacy


def test_from_text_splits_paragraphs_at_blank_lines_and_keeps_line_breaks() -> None:
    doc = Document.from_text("\nfirst line\nsecond line\n\n  \nnext paragraph\n")
    assert doc == Document(
        (
            Paragraph((Text("first line\nsecond line"),)),
            Paragraph((Text("next paragraph"),)),
        )
    )


def test_plain_text_shows_every_word_and_url_with_light_markdown() -> None:
    assert render_text(EVERYTHING) == (
        "Built `fct_orders` on the dashboard (https://t.example/x)\n\n"
        "- plain\n- `stg_shop__orders`\n- **bold** and text\n\n"
        "| node | status |\n| --- | --- |\n| `fct_orders` | pass |\n| a \\| b | **fail** |\n\n"
        "```yaml\nmartflow:\n  mart: orders\n```"
    )


def test_code_spans_and_fences_outgrow_backticks_in_their_text() -> None:
    text = render_text(document(paragraph(code("a`b")), CodeBlock("```\nx\n```")))
    assert text == "``a`b``\n\n````\n```\nx\n```\n````"


def test_empty_documents_are_false_and_documents_extend() -> None:
    assert not Document()
    assert not document(paragraph("  "), bullets([]))
    extended = comments.started("DEMO-1-x") + document(paragraph("More."))
    assert extended.blocks[-1] == Paragraph((Text("More."),))
    assert len(extended.blocks) == 2


def test_a_table_row_must_fit_the_header() -> None:
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        table(("a", "b", "c"), [("1", "2")])


def _node(name: str, kind: str, status: str) -> NodeResult:
    return NodeResult(f"model.shop.{name}", name, kind, status, 1.234)


def test_build_comment_is_a_verdict_and_a_table_of_nodes_with_code_names() -> None:
    report = BuildReport(
        "inv-1",
        (
            _node("stg_shop__orders", "model", "success"),
            _node("unique_fct_orders_id", "test", "fail"),
        ),
    )
    comment = comments.built(report, "1 models built, 0/1 tests passed")
    head, grid = comment.blocks
    assert isinstance(head, Paragraph)
    assert Strong("failed") in head.parts
    assert Code("unique_fct_orders_id") in head.parts
    assert isinstance(grid, Table)
    assert grid.header == ("node", "type", "status", "seconds")
    assert grid.rows[0] == (
        (Code("stg_shop__orders"),),
        (Text("model"),),
        (Text("success"),),
        (Text("1.23"),),
    )
    assert grid.rows[1][2] == (Strong("fail"),)


def test_build_comment_lists_at_most_fifty_nodes() -> None:
    nodes = tuple(_node(f"m{n}", "model", "success") for n in range(comments.MAX_ROWS + 3))
    comment = comments.built(BuildReport("inv", nodes), "53 models built")
    grid = comment.blocks[1]
    assert isinstance(grid, Table)
    assert len(grid.rows) == comments.MAX_ROWS
    assert render_text(comment).endswith("(and 3 more nodes)")


def test_lint_and_publish_comments() -> None:
    violation = LintViolation("models/x.sql", 3, 7, "LT01", "Expected single space.")
    failed = comments.lint_failed([violation] * 7, listed=5)
    assert render_text(failed).splitlines()[:2] == [
        "martflow lint found **7 sqlfluff violations**:",
        "",
    ]
    assert "- `models/x.sql:3:7` `LT01` Expected single space." in render_text(failed)
    assert render_text(failed).endswith("(and 2 more)")
    server = comments.published("CLV", "https://tableau.example.com/#/workbooks/42")
    assert (
        Link(
            "https://tableau.example.com/#/workbooks/42",
            "https://tableau.example.com/#/workbooks/42",
        )
        in server.blocks[0].parts
    )  # type: ignore[union-attr]
    local = comments.published("CLV", "dashboards/clv.twbx")
    assert Code("dashboards/clv.twbx") in local.blocks[0].parts  # type: ignore[union-attr]


def test_spec_comment_carries_the_yaml_in_a_code_block() -> None:
    comment = comments.spec_posted("DEMO-1", "martflow:\n  mart: x\n")
    assert comment.blocks[-1] == CodeBlock("martflow:\n  mart: x", "yaml")
