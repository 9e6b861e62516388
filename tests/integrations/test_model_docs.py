"""The data dictionary from a real dbt-duckdb build: manifest (descriptions, tests, parents)
and catalog (the warehouse's column types), through the warm dbt worker."""

from __future__ import annotations

import pytest

from martflow.core.dictionary import from_model_docs
from martflow.core.dictionary_render import to_markdown
from martflow.errors import DbtError
from martflow.integrations.dbt import DbtProcessRunner

from .conftest import CHAIN

SOURCES_YML = """version: 2
sources:
  - name: shop
    schema: raw
    tables:
      - name: orders
models:
  - name: fct_customer_orders
    description: Customer lifetime value
    columns:
      - name: customer_id
        description: "The customer | who *ordered*"
        data_tests: [unique, not_null]
      - name: lifetime_value
        description: Sum of order amounts
      - name: gone_column
        description: documented but not in the table
"""


def test_model_docs_joins_manifest_and_catalog(dbt_project):
    models = dbt_project / "models"
    (models / "stg_shop__orders.sql").write_text(
        "select order_id, customer_id, amount from {{ source('shop', 'orders') }}\n"
    )
    schema = (models / "_models.yml").read_text().split("  - name: fct_customer_orders")[0]
    (models / "_models.yml").write_text(schema)
    (models / "_sources.yml").write_text(SOURCES_YML)
    with DbtProcessRunner(dbt_project, dbt_project) as runner:
        report = runner.build([CHAIN], mart="fct_customer_orders")
        assert not report.failures
        docs = runner.model_docs("fct_customer_orders")
        with pytest.raises(DbtError, match="not a model"):
            runner.model_docs("fct_nothing")

    dictionary = from_model_docs(
        docs, ticket_key="DEMO-1", purpose="Customer lifetime value", grain=["customer_id"]
    )

    columns = {c.name: c for c in dictionary.columns}
    assert list(columns) == ["customer_id", "order_count", "lifetime_value"]  # table order
    assert columns["customer_id"].tests == ("not_null", "unique")
    assert columns["customer_id"].description == "The customer | who *ordered*"
    assert columns["order_count"].data_type.upper() == "BIGINT"
    assert columns["lifetime_value"].data_type.upper().startswith("DECIMAL")
    assert dictionary.relation == "main.fct_customer_orders"
    assert dictionary.description == ""  # the same as the purpose: said once
    lineage = {e.name: e for e in dictionary.lineage}
    assert lineage["fct_customer_orders"].parents == ("int_customer_orders__joined",)
    assert lineage["int_customer_orders__joined"].parents == (
        "stg_shop__orders",
        "stg_shop__customers",
    )
    assert lineage["shop.orders"].kind == "source"
    assert lineage["shop.orders"].relation == "raw.orders"
    assert [s.name for s in dictionary.sources] == ["shop.orders"]

    text = to_markdown(dictionary)
    assert (
        "| `customer_id` | BIGINT | The customer \\| who \\*ordered\\* | `not_null`, `unique` |"
        in (text)
    )
    assert "gone_column" not in text
    assert "- `shop.orders` (source at `raw.orders`)" in text
