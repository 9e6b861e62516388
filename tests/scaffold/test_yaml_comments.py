"""Tables added to a hand-written sources file keep its indentation, comments and order."""

from __future__ import annotations

import pytest

from martflow.core.models import SourceRef
from martflow.project_scaffold.properties import sources_yaml
from martflow.project_scaffold.staging import StagedColumn, StagedTable

REFUNDS = StagedTable(
    SourceRef("stripe", "refunds"),
    (StagedColumn("refund_id", "refund_id", "refund_id", ""),),
)

FLAT = """\
version: 2
sources:
- name: stripe
  schema: landing  # EL writes here
  tables:
  - name: payments
    identifier: stripe_payments_v2
    columns:
    - name: id
      tests: [unique, not_null]

# CRM below
- name: crm
  tables:
  - name: accounts
"""

INDENTED = """\
version: 2
sources:
  - name: stripe
    schema: landing
    tables:
      - name: payments
        identifier: stripe_payments_v2  # renamed in 2023
      # more to come
  - name: crm
    tables:
      - name: accounts
"""


@pytest.mark.parametrize(
    ("text", "after", "added"),
    [
        (
            FLAT,
            "      tests: [unique, not_null]\n",
            "  - name: refunds\n    columns:\n    - name: refund_id\n\n# CRM below\n",
        ),
        (
            INDENTED,
            "        identifier: stripe_payments_v2  # renamed in 2023\n",
            "      - name: refunds\n        columns:\n          - name: refund_id\n"
            "      # more to come\n",
        ),
    ],
)
def test_a_new_table_is_inserted_in_the_files_own_style(text: str, after: str, added: str) -> None:
    merged = sources_yaml(text, "models/sources.yml", "stripe", "landing", [REFUNDS])
    head, tail = text.split(after)
    trailing = tail.split("- name: crm")[1]
    assert merged.startswith(head + after + added)
    assert merged.endswith("- name: crm" + trailing)
    assert sources_yaml(merged, "models/sources.yml", "stripe", "landing", [REFUNDS]) == merged
