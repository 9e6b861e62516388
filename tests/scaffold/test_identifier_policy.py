"""The lint dialect's identifier rules, loaded in the background while dbt starts."""

from __future__ import annotations

import pytest

from martflow.errors import ScaffoldError
from martflow.integrations.sqlfluff_dialects import identifier_policy, preload_policy


def test_a_preloaded_policy_is_the_one_scaffolding_uses() -> None:
    preload_policy("duckdb")
    preload_policy("duckdb")  # a second preload starts nothing new
    policy = identifier_policy("duckdb")
    assert policy is identifier_policy("duckdb")
    assert policy.needs_quoting("select") and policy.needs_quoting("Mixed Case")
    assert not policy.needs_quoting("customer_id")


def test_an_unknown_dialect_fails_when_used_not_in_the_background() -> None:
    preload_policy("no_such_dialect")
    with pytest.raises(ScaffoldError, match="unknown SQL dialect 'no_such_dialect'"):
        identifier_policy("no_such_dialect")
