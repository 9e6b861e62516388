"""The data dictionary's renderings keep untrusted text inert; its path stays in its folder."""

from __future__ import annotations

import pytest

from martflow.core.dictionary import (
    DataDictionary,
    DictionaryColumn,
    DictionaryPage,
    dictionary_path,
    from_model_docs,
)
from martflow.core.dictionary_render import to_markdown, to_storage

HOSTILE = (
    "Revenue [click](javascript:alert(1)) <script>x</script> `code` | cell\n"
    "# not a heading\n\n- not an item & &amp; **bold** _em_ \x1b[2J"
)


def hostile_dictionary() -> DataDictionary:
    return DataDictionary(
        model="fct_orders",
        ticket_key="DEMO-1",
        purpose=HOSTILE,
        relation="main.fct_orders",
        grain=("order_id",),
        columns=(DictionaryColumn("a`b|c", "INT", HOSTILE, ("unique",)),),
    )


def test_markdown_keeps_hostile_ticket_text_as_text():
    text = to_markdown(hostile_dictionary())

    lines = text.splitlines()
    assert [line for line in lines if line.startswith("#")] == [
        "# Data dictionary: `fct_orders`",
        "## Columns",
    ]
    assert "[click]" not in text and "\\[click\\](javascript:alert(1))" in text
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\x1b" not in text  # shown as an escape, never sent to a terminal
    rows = [line for line in lines if line.startswith("| ")]
    assert len(rows) == 3  # header, rule and one column: nothing split a row
    assert rows[2].count(" | ") == 3  # four cells: every pipe in the text is escaped
    assert "``a`b\\|c``" in rows[2]


def test_storage_body_is_well_formed_and_inert():
    body = to_storage(hostile_dictionary())
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "&amp;amp;" in body  # an entity in the ticket is shown, not interpreted
    assert "\x1b" not in body


def test_page_payload_round_trips_and_its_hash_follows_the_content():
    doc = hostile_dictionary()
    page = DictionaryPage.of(doc, to_storage(doc))
    assert DictionaryPage.from_payload(page.to_payload()) == page
    other = DictionaryPage.of(doc, to_storage(doc) + "<p>more</p>")
    assert other.content_hash != page.content_hash


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "a/b", "", "fct x", "fct.md", "..", "é", "x" * 128]
)
def test_the_file_path_comes_from_a_plain_model_name_only(name):
    with pytest.raises(ValueError, match="not a model name"):
        dictionary_path(name)


def test_the_file_path_of_a_model():
    assert str(dictionary_path("fct_orders")) == "docs/data-dictionary/fct_orders.md"


def test_catalog_decides_the_columns_and_manifest_adds_meaning():
    docs = {
        "model": {
            "name": "fct_orders",
            "description": "Orders per customer",
            "relation": "main.fct_orders",
            "columns": {"ORDER_ID": {"description": "The order", "data_type": ""}},
            "tests": [
                {"test": "unique", "column": "order_id"},
                {"test": "dbt_utils.unique_combination_of_columns", "column": ""},
            ],
        },
        "catalog": [{"name": "order_id", "data_type": "INTEGER"}, {"name": "x", "data_type": ""}],
        "lineage": [{"name": "fct_orders", "kind": "model", "relation": "main.fct_orders"}],
    }
    doc = from_model_docs(docs, ticket_key="DEMO-1", purpose="Orders", grain=["order_id"])
    assert [(c.name, c.data_type, c.description, c.tests) for c in doc.columns] == [
        ("order_id", "INTEGER", "The order", ("unique",)),
        ("x", "", "", ()),
    ]
    assert doc.model_tests == ("dbt_utils.unique_combination_of_columns",)
    assert doc.description == "Orders per customer"


def test_pii_columns_say_so_in_the_dictionary():
    docs = {
        "model": {
            "name": "fct_contacts",
            "columns": {
                "email": {"description": "Dimension: customers.email.", "pii": "mask"},
                "phone": {"description": "", "pii": "yes"},
                "name": {"description": "Personal data (PII, hashed in staging).", "pii": "hash"},
                "country": {"description": "Dimension.", "pii": ""},
            },
        },
        "catalog": [
            {"name": n, "data_type": "VARCHAR"} for n in ("email", "phone", "name", "country")
        ],
    }
    doc = from_model_docs(docs, ticket_key="T-1", purpose="Contacts", grain=["email"])
    described = {c.name: (c.description, c.pii) for c in doc.columns}
    assert described == {
        "email": ("Personal data (PII, mask). Dimension: customers.email.", "mask"),
        "phone": ("Personal data (PII).", "yes"),
        "name": ("Personal data (PII, hashed in staging).", "hash"),
        "country": ("Dimension.", ""),
    }
    assert "Personal data (PII, mask)" in to_markdown(doc)
