"""Slugs and branch names from untrusted ticket text."""

from __future__ import annotations

import re
import subprocess

import pytest

from martflow.core.naming import branch_name, ref_name_problem, slugify
from martflow.errors import ConfigError, GitError

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def git_accepts(name: str) -> bool:
    """The real ``git check-ref-format --branch`` verdict."""
    done = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    return done.returncode == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Customer lifetime value", "customer-lifetime-value"),
        ("Café à la crème", "cafe-a-la-creme"),
        ("Ünïcödé   Straße", "unicode-strae"),
        ("../../etc/passwd", "etc-passwd"),
        ("{{ env_var('JIRA_API_TOKEN') }}", "env-var-jira-api-token"),
        ("; rm -rf / #", "rm-rf"),
        ("revenue.lock", "revenue-lock"),
        ("a@{1}", "a-1"),
        ("-leading and trailing-", "leading-and-trailing"),
        ("", "ticket"),
        ("   ", "ticket"),
        ("📈📉🚀", "ticket"),
        ("日本語のチケット", "ticket"),
        ("Revenue 📈 by region", "revenue-by-region"),
        ("tab\there\nnewline\x00nul\x7f", "tab-here-newline-nul"),
    ],
)
def test_slugify_edge_cases(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_slugify_truncates_without_trailing_dash() -> None:
    slug = slugify("word " * 50, max_len=12)
    assert slug == "word-word-wo"
    assert slugify("abcdefghij klm", max_len=11) == "abcdefghij"
    assert len(slugify("x" * 500)) == 40


def test_slugify_rejects_nonpositive_length() -> None:
    with pytest.raises(ValueError, match="max_len"):
        slugify("abc", max_len=0)


@pytest.mark.parametrize(
    "summary",
    [
        "../../etc",
        "{{ }}",
        "{key} {slug} {0} {__class__}",
        ";rm -rf ~",
        "$(touch /tmp/pwned)",
        "`id`",
        "HEAD",
        "@",
        "refs/heads/main",
        "x" * 300,
        "\x1b[31mred\x1b[0m",
        "🙂",
    ],
)
def test_hostile_summaries_give_safe_branch_names(summary: str) -> None:
    name = branch_name("feature/{key}-{slug}", "ABC-12", summary)
    assert name.startswith("feature/ABC-12-")
    slug = name.removeprefix("feature/ABC-12-")
    assert SLUG.match(slug), slug
    assert ref_name_problem(name) is None
    assert git_accepts(name)


def test_branch_name_renders_key_and_slug() -> None:
    assert branch_name("{key}/{slug}", "DATA-7", "Orders by day") == "DATA-7/orders-by-day"
    assert branch_name("mf-{key}", "DATA-7", "ignored") == "mf-DATA-7"


@pytest.mark.parametrize(
    "pattern",
    ["feature/{summary}", "{key}-{0}", "{}", "{key.__class__}", "{key!r}", "{slug:>50}", "{env}"],
)
def test_branch_pattern_with_other_fields_is_a_config_error(pattern: str) -> None:
    with pytest.raises(ConfigError, match=r"\[git\]\.branch"):
        branch_name(pattern, "ABC-1", "summary")


@pytest.mark.parametrize(
    "pattern", ["feature/{key", "{key}}", "feature//{key}", "{key}.lock", "-{key}"]
)
def test_malformed_or_invalid_pattern_is_a_config_error(pattern: str) -> None:
    with pytest.raises(ConfigError, match=r"\[git\]\.branch"):
        branch_name(pattern, "ABC-1", "summary")


@pytest.mark.parametrize("key", ["AB..C", "A B", "A~1", "X:Y", "a@{0}"])
def test_invalid_ticket_key_is_named(key: str) -> None:
    with pytest.raises(GitError, match=re.escape(repr(key))):
        branch_name("feature/{key}-{slug}", key, "fine")


@pytest.mark.parametrize(
    "name",
    [
        "feature/ABC-1-x",
        "main",
        "a/b/c",
        "with{brace}",
        "",
        "-dash",
        "HEAD",
        "a..b",
        "a@{b",
        "a.lock",
        "a/b.lock/c",
        "a/.hidden",
        ".hidden",
        "trailing.",
        "trailing/",
        "/leading",
        "a//b",
        "sp ace",
        "tilde~",
        "caret^",
        "co:lon",
        "q?",
        "star*",
        "brack[et",
        "back\\slash",
        "ctrl\x01",
        "del\x7f",
        "ünïcode",
        "a.b",
        "a@b",
    ],
)
def test_ref_rules_match_git_check_ref_format(name: str) -> None:
    assert (ref_name_problem(name) is None) == git_accepts(name)


def test_lone_at_sign_is_refused_although_git_allows_it() -> None:
    # "@" is revision shorthand for HEAD: a branch of that name only confuses.
    assert ref_name_problem("@") == "it is '@'"


# -- dbt names and identifiers -------------------------------------------------------------


def test_dbt_layer_names_follow_the_convention():
    from martflow.core.naming import intermediate_model, mart_model, staging_model, surrogate_key

    assert staging_model("shop", "orders") == "stg_shop__orders"
    assert intermediate_model("customer_orders") == "int_customer_orders__joined"
    assert mart_model("fact", "customer_orders") == "fct_customer_orders"
    assert mart_model("dimension", "customers") == "dim_customers"
    assert surrogate_key("orders") == "orders_key"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("orders", True),
        ("_x1", True),
        ("Orders", False),
        ("1st", False),
        ("a-b", False),
        ("a" * 63, True),
        ("a" * 64, False),
        ("orders\n", False),
        (3, False),
    ],
)
def test_is_identifier(value, ok):
    from martflow.core.naming import is_identifier

    assert is_identifier(value) is ok


def test_project_names_start_with_a_letter():
    from martflow.core.naming import is_project_name

    assert is_project_name("analytics")
    assert not is_project_name("_analytics")
    assert not is_project_name("Analytics")


def test_bare_and_schema_names():
    from martflow.core.naming import is_bare_name, is_schema_name

    assert is_bare_name("Product_ID") and not is_bare_name("order id")
    assert not is_bare_name("orders\n")
    assert is_schema_name("RAW$1") and not is_schema_name("raw.x")
    assert not is_schema_name("a" * 128, 127) and is_schema_name("a" * 127, 127)
