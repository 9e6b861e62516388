"""The ticket spec: finding it in descriptions, every validation rule, round trips, hostiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from martflow.core.models import ColumnRef, JoinSpec, Measure, SourceRef, TicketSpec
from martflow.core.spec import (
    MAX_SPEC_BYTES,
    extract_spec_text,
    load_spec,
    parse_spec,
    spec_to_yaml,
)
from martflow.errors import SpecError
from tests.core.hostile_specs import (
    ACCEPTED_AS_DATA,
    BASE,
    HOSTILE_SPECS,
    HOSTILE_TEXTS,
    spec_yaml,
)

DESIGN_EXAMPLE = """\
martflow:
  sources: [shop.orders, shop.customers, shop.payments]   # source.table
  joins: ["orders.customer_id = customers.customer_id", "payments.order_id = orders.order_id"]
  mart: customer_orders
  kind: fact            # fact | dimension
  grain: [customer_id]
  dimensions: [customers.first_name, customers.last_name]
  measures:
    - {name: order_count, expr: "count(distinct orders.order_id)"}
    - {name: lifetime_value, expr: "sum(payments.amount)"}
  dashboard: Customer lifetime value
"""

EXPECTED = TicketSpec(
    sources=(
        SourceRef("shop", "orders"),
        SourceRef("shop", "customers"),
        SourceRef("shop", "payments"),
    ),
    mart="customer_orders",
    kind="fact",
    grain=(ColumnRef("orders", "customer_id"),),
    joins=(
        JoinSpec(ColumnRef("orders", "customer_id"), ColumnRef("customers", "customer_id")),
        JoinSpec(ColumnRef("payments", "order_id"), ColumnRef("orders", "order_id")),
    ),
    dimensions=(ColumnRef("customers", "first_name"), ColumnRef("customers", "last_name")),
    measures=(
        Measure("order_count", "count", ColumnRef("orders", "order_id"), distinct=True),
        Measure("lifetime_value", "sum", ColumnRef("payments", "amount")),
    ),
    dashboard="Customer lifetime value",
)


def rejected(text: str, source: str = "spec") -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_spec(text, source=source)
    return info.value


def without(key: str) -> str:
    body = {k: v for k, v in BASE.items() if k != key}
    return yaml.safe_dump({"martflow": body}, sort_keys=False)


# -- finding the block -------------------------------------------------------------------

FENCED = "```yaml\n" + DESIGN_EXAMPLE + "```"


@pytest.mark.parametrize(
    "description",
    [
        pytest.param(f"Please build this.\n\n{FENCED}\n\nThanks!", id="md-yaml"),
        pytest.param(f"Spec:\n```yml\n{DESIGN_EXAMPLE}```\n", id="md-yml"),
        pytest.param(f"Spec:\n```YAML\n{DESIGN_EXAMPLE}```\n", id="md-YAML"),
        pytest.param(f"Spec:\n```\n{DESIGN_EXAMPLE}```\n", id="md-bare"),
        pytest.param(f"Spec:\n~~~yaml\n{DESIGN_EXAMPLE}~~~\n", id="md-tilde"),
        pytest.param(f"Spec:\n````yaml\n{DESIGN_EXAMPLE}````\n", id="md-four-backticks"),
        pytest.param(
            "1. the spec:\n   ```yaml\n"
            + "".join(f"   {line}\n" for line in DESIGN_EXAMPLE.splitlines())
            + "   ```\n2. done",
            id="md-indented-in-list",
        ),
        pytest.param(f"```sql\nselect 1\n```\nthen\n{FENCED}", id="md-second-block"),
        pytest.param(f"{{code:yaml}}\n{DESIGN_EXAMPLE}{{code}}", id="wiki-code-yaml"),
        pytest.param(f"{{code}}\n{DESIGN_EXAMPLE}{{code}}", id="wiki-code"),
        pytest.param(
            f"{{code:title=spec.yml|language=yaml}}\n{DESIGN_EXAMPLE}{{code}}", id="wiki-title"
        ),
        pytest.param(f"{{noformat}}\n{DESIGN_EXAMPLE}{{noformat}}", id="wiki-noformat"),
        pytest.param(
            f"{{noformat}}\nSee:\n```yaml\n{DESIGN_EXAMPLE}```\n{{noformat}}",
            id="fence-in-noformat",
        ),
        pytest.param(
            f"{{code:yaml}}\n{DESIGN_EXAMPLE}{{code}}".replace("\n", "\r\n"), id="wiki-crlf"
        ),
        pytest.param(DESIGN_EXAMPLE, id="bare-yaml"),
        pytest.param("---\n" + DESIGN_EXAMPLE, id="bare-yaml-document-marker"),
    ],
)
def test_every_description_format_yields_the_spec(description: str) -> None:
    text = extract_spec_text(description)
    assert text is not None
    assert parse_spec(text) == EXPECTED


def test_jira_wiki_description_with_surrounding_prose() -> None:
    description = (
        "h2. Customer lifetime value\n\n"
        "Finance wants *lifetime value* per customer, see [~accountid:5b10a2844c20165700ede21g].\n"
        "Their current query:\n"
        "{code:sql}\nselect customer_id, sum(amount) from payments group by 1\n{code}\n"
        "The spec:\n"
        "{code:yaml}\n" + DESIGN_EXAMPLE + "{code}\n"
        "||owner||due||\n|finance|Friday|\n"
        "{noformat}martflow: not this one{noformat}\n"
    )
    text = extract_spec_text(description)
    assert text == DESIGN_EXAMPLE
    assert parse_spec(text, source="description of DEMO-1") == EXPECTED


def test_atlassian_document_format_description() -> None:
    lines = DESIGN_EXAMPLE.splitlines(keepends=True)
    adf: dict[str, Any] = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "heading",
                "attrs": {"level": 2},
                "content": [{"type": "text", "text": "Customer LTV"}],
            },
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "Finance needs "},
                    {"type": "text", "text": "martflow:", "marks": [{"type": "code"}]},
                    {"type": "text", "text": " per customer."},
                ],
            },
            {
                "type": "codeBlock",
                "attrs": {"language": "sql"},
                "content": [{"type": "text", "text": "select 1"}],
            },
            {
                "type": "expand",
                "attrs": {"title": "spec"},
                "content": [
                    {
                        "type": "codeBlock",
                        "attrs": {"language": "yaml"},
                        # Jira splits long code into several text nodes.
                        "content": [
                            {"type": "text", "text": "".join(lines[:4])},
                            {"type": "text", "text": "".join(lines[4:])},
                        ],
                    }
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "martflow: {later: 1}"}]},
            {"type": "rule"},
        ],
    }
    assert extract_spec_text(adf) == DESIGN_EXAMPLE
    assert load_spec(adf, None, key="DEMO-1") == EXPECTED


def test_adf_hard_breaks_become_newlines() -> None:
    adf = {
        "type": "doc",
        "content": [
            {
                "type": "codeBlock",
                "content": [
                    {"type": "text", "text": "martflow:"},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "  mart: x"},
                ],
            }
        ],
    }
    assert extract_spec_text(adf) == "martflow:\n  mart: x\n"


@pytest.mark.parametrize(
    "description",
    [
        pytest.param("Just prose about martflow: nothing else", id="prose"),
        pytest.param("```sql\nselect 1\n```", id="other-block"),
        pytest.param("```yaml\nconfig:\n  martflow: {mart: x}\n```", id="nested-key"),
        pytest.param("{code:yaml}\nnot: it\n{code}", id="wiki-without-key"),
        pytest.param("{code:yaml}\n" * 20_000 + "martflow: {}", id="unclosed-wiki-openers"),
        pytest.param({"type": "doc", "content": [{"type": "paragraph"}]}, id="adf-no-code"),
        pytest.param(
            {"type": "doc", "content": [{"type": "codeBlock", "content": "martflow:"}]},
            id="adf-malformed-content",
        ),
        pytest.param(
            {"type": "doc", "content": [{"type": "codeBlock", "content": [{"text": 5}]}]},
            id="adf-text-not-str",
        ),
        pytest.param({"unrelated": True}, id="not-adf"),
        pytest.param("", id="empty"),
    ],
)
def test_no_spec_in_description(description: str | dict[str, Any]) -> None:
    assert extract_spec_text(description) is None


def test_unclosed_fence_runs_to_the_end() -> None:
    assert extract_spec_text("Spec:\n```yaml\n" + DESIGN_EXAMPLE) == DESIGN_EXAMPLE


def test_fence_is_preferred_to_an_enclosing_wiki_block() -> None:
    other = DESIGN_EXAMPLE.replace("customer_orders", "other")
    description = f"{{code:yaml}}\n{other}{{code}}\n{FENCED}"
    assert parse_spec(extract_spec_text(description) or "").mart == "customer_orders"


# -- parsing a valid spec ----------------------------------------------------------------


def test_design_example_parses_completely() -> None:
    assert parse_spec(DESIGN_EXAMPLE) == EXPECTED


def test_bare_grain_resolves_to_the_first_source_table() -> None:
    spec = parse_spec(spec_yaml(grain=["customer_id", "customers.customer_id"]))
    assert spec.grain == (ColumnRef("orders", "customer_id"), ColumnRef("customers", "customer_id"))


@pytest.mark.parametrize(
    ("expr", "measure"),
    [
        ("count(*)", Measure("m", "count")),
        ("  COUNT ( * )  ", Measure("m", "count")),
        ("Sum(orders.amount)", Measure("m", "sum", ColumnRef("orders", "amount"))),
        ("avg( orders.amount )", Measure("m", "avg", ColumnRef("orders", "amount"))),
        ("min(orders.amount)", Measure("m", "min", ColumnRef("orders", "amount"))),
        ("MAX(orders.amount)", Measure("m", "max", ColumnRef("orders", "amount"))),
        (
            "count(DISTINCT\torders.order_id)",
            Measure("m", "count", ColumnRef("orders", "order_id"), distinct=True),
        ),
        (
            "sum(distinct customers.credit)",
            Measure("m", "sum", ColumnRef("customers", "credit"), distinct=True),
        ),
    ],
)
def test_aggregates_are_normalized(expr: str, measure: Measure) -> None:
    spec = parse_spec(spec_yaml(measures=[{"name": "m", "expr": expr}]))
    assert spec.measures == (measure,)
    assert spec.measures[0].expr == measure.expr  # the normalized form, e.g. "count(*)"


def test_defaults_kind_fact_and_empty_dashboard() -> None:
    body = {k: v for k, v in BASE.items() if k not in ("kind", "dashboard", "dimensions")}
    spec = parse_spec(yaml.safe_dump({"martflow": body}))
    assert (spec.kind, spec.dashboard, spec.dimensions) == ("fact", "", ())
    assert spec.mart_model == "fct_customer_orders"


def test_dimension_needs_no_measures() -> None:
    spec = parse_spec(spec_yaml(kind="dimension", measures=None))
    assert spec.kind == "dimension"
    assert spec.measures == ()
    assert spec.mart_model == "dim_customer_orders"


def test_single_source_needs_no_joins() -> None:
    spec = parse_spec(spec_yaml(sources=["shop.orders"], joins=[], dimensions=[]))
    assert spec.sources == (SourceRef("shop", "orders"),)


def test_other_top_level_keys_are_ignored() -> None:
    assert parse_spec(DESIGN_EXAMPLE + "notes: for the PM\n") == EXPECTED


# -- every rule, with its field and reason -----------------------------------------------

IDENT = "must be a lowercase identifier ([a-z_][a-z0-9_]*)"
AGG = "is not an aggregate; use count|sum|avg|min|max(table.column)"

RULES = [
    # (id, yaml, field, reason)
    ("sources-missing", without("sources"), "martflow.sources", "is required"),
    ("sources-empty", spec_yaml(sources=[]), "martflow.sources", "must not be empty"),
    ("sources-scalar", spec_yaml(sources="shop.orders"), "martflow.sources", "must be a list"),
    (
        "source-shape",
        spec_yaml(sources=["raw.shop.orders", "shop.customers"]),
        "martflow.sources[0]",
        '"raw.shop.orders" must be source.table (e.g. shop.orders) or the name of a model',
    ),
    (
        "source-ident",
        spec_yaml(sources=["Shop.orders", "shop.customers"]),
        "martflow.sources[0]",
        f'source "Shop" {IDENT}',
    ),
    (
        "table-ident",
        spec_yaml(sources=["shop.orders", "shop.Customers"]),
        "martflow.sources[1]",
        f'table "Customers" {IDENT}',
    ),
    (
        "source-not-text",
        spec_yaml(sources=[12, "shop.customers"]),
        "martflow.sources[0]",
        "must be text like shop.orders, not the number 12",
    ),
    (
        "table-too-long",
        spec_yaml(sources=["shop.orders", "shop." + "c" * 64]),
        "martflow.sources[1]",
        "is 64 characters; the limit is 63",
    ),
    (
        "staging-name-too-long",
        spec_yaml(sources=["shop.orders", "s" * 30 + "." + "t" * 30]),
        "martflow.sources[1]",
        "makes the model name stg_" + "s" * 30 + "__" + "t" * 30 + " 66 characters",
    ),
    (
        "source-double-underscore",
        spec_yaml(sources=["shop.orders", "crm__eu.customers"]),
        "martflow.sources[1]",
        'source "crm__eu" must not contain "__"',
    ),
    (
        "table-unique",
        spec_yaml(sources=["shop.orders", "crm.orders", "shop.customers"]),
        "martflow.sources[1]",
        'table "orders" is already listed as shop.orders; table names must be unique',
    ),
    (
        "join-shape",
        spec_yaml(joins=["orders.customer_id == customers.customer_id"]),
        "martflow.joins[0]",
        'must be "table.column = table.column"',
    ),
    (
        "join-side-shape",
        spec_yaml(joins=["customer_id = customers.customer_id"]),
        "martflow.joins[0]",
        '"customer_id" must be table.column',
    ),
    (
        "join-unknown-table",
        spec_yaml(joins=["orders.customer_id = clients.customer_id"]),
        "martflow.joins[0]",
        'table "clients" is not among the sources (orders, customers)',
    ),
    (
        "join-self",
        spec_yaml(joins=["orders.customer_id = orders.order_id"]),
        "martflow.joins[0]",
        'joins table "orders" to itself; self joins are not supported',
    ),
    (
        "join-repeated",
        spec_yaml(
            joins=[
                "orders.customer_id = customers.customer_id",
                "customers.customer_id = orders.customer_id",
            ]
        ),
        "martflow.joins[1]",
        "repeats an earlier join",
    ),
    (
        "joins-missing",
        spec_yaml(joins=[]),
        "martflow.joins",
        'table "customers" is not joined to orders (the grain\'s table); add a join like '
        '"orders.<column> = customers.<column>"',
    ),
    (
        "joins-partial",
        spec_yaml(
            sources=["shop.orders", "shop.customers", "shop.payments"],
            joins=["customers.customer_id = orders.customer_id"],
        ),
        "martflow.joins",
        'table "payments" is not joined to orders',
    ),
    ("mart-missing", without("mart"), "martflow.mart", "is required"),
    (
        "mart-ident",
        spec_yaml(mart="Customer Orders"),
        "martflow.mart",
        f'"Customer Orders" {IDENT}',
    ),
    ("mart-number", spec_yaml(mart=2024), "martflow.mart", f"{IDENT}, not the number 2024"),
    (
        "mart-prefix",
        spec_yaml(mart="fct_orders"),
        "martflow.mart",
        "must not start with fct_ or dim_; martflow adds the prefix",
    ),
    (
        "mart-too-long-for-intermediate",
        spec_yaml(mart="m" * 52),
        "martflow.mart",
        "makes the model name int_" + "m" * 52 + "__joined 64 characters; the limit is 63",
    ),
    ("kind", spec_yaml(kind="facts"), "martflow.kind", '"facts" must be fact or dimension'),
    ("grain-missing", without("grain"), "martflow.grain", "is required"),
    ("grain-empty", spec_yaml(grain=[]), "martflow.grain", "must not be empty"),
    ("grain-ident", spec_yaml(grain=["Customer-ID"]), "martflow.grain[0]", IDENT),
    (
        "grain-boolean",
        spec_yaml(grain=["GRAIN"]).replace("GRAIN", "yes"),
        "martflow.grain[0]",
        "not true (YAML reads yes/no/on/off as booleans; quote it)",
    ),
    (
        "grain-unknown-table",
        spec_yaml(grain=["ghosts.customer_id"]),
        "martflow.grain[0]",
        'table "ghosts" is not among the sources (orders, customers)',
    ),
    (
        "grain-twice",
        spec_yaml(grain=["customer_id", "orders.customer_id"]),
        "martflow.grain[1]",
        '"orders.customer_id" is listed twice',
    ),
    (
        "dimension-bare",
        spec_yaml(dimensions=["first_name"]),
        "martflow.dimensions[0]",
        '"first_name" must be table.column',
    ),
    (
        "dimension-unknown-table",
        spec_yaml(dimensions=["ghosts.first_name"]),
        "martflow.dimensions[0]",
        'table "ghosts" is not among the sources',
    ),
    (
        "dimension-clashes-with-grain",
        spec_yaml(dimensions=["customers.customer_id"]),
        "martflow.dimensions[0]",
        'column "customer_id" is already a grain column',
    ),
    (
        "measure-expr-statement",
        spec_yaml(measures=[{"name": "ltv", "expr": "sum(payments.amount) ; drop table x"}]),
        "martflow.measures[0].expr",
        f'"sum(payments.amount) ; drop table x" {AGG}',
    ),
    (
        "measure-expr-sum-star",
        spec_yaml(measures=[{"name": "n", "expr": "sum(*)"}]),
        "martflow.measures[0].expr",
        f'"sum(*)" {AGG}',
    ),
    (
        "measure-expr-bare-column",
        spec_yaml(measures=[{"name": "n", "expr": "sum(amount)"}]),
        "martflow.measures[0].expr",
        f'"sum(amount)" {AGG}',
    ),
    (
        "measure-expr-unknown-table",
        spec_yaml(measures=[{"name": "n", "expr": "sum(payments.amount)"}]),
        "martflow.measures[0].expr",
        'table "payments" is not among the sources (orders, customers)',
    ),
    (
        "measure-expr-missing",
        spec_yaml(measures=[{"name": "n"}]),
        "martflow.measures[0].expr",
        "is required",
    ),
    (
        "measure-name-missing",
        spec_yaml(measures=[{"expr": "count(*)"}]),
        "martflow.measures[0].name",
        "is required",
    ),
    (
        "measure-name-ident",
        spec_yaml(measures=[{"name": "Order Count", "expr": "count(*)"}]),
        "martflow.measures[0].name",
        f'"Order Count" {IDENT}',
    ),
    (
        "measure-name-unique",
        spec_yaml(measures=[{"name": "n", "expr": "count(*)"}, {"name": "n", "expr": "count(*)"}]),
        "martflow.measures[1].name",
        '"n" is already the name of another measure',
    ),
    (
        "measure-name-clashes-with-grain",
        spec_yaml(measures=[{"name": "customer_id", "expr": "count(*)"}]),
        "martflow.measures[0].name",
        '"customer_id" is already a grain column',
    ),
    (
        "measure-name-clashes-with-dimension",
        spec_yaml(measures=[{"name": "first_name", "expr": "count(*)"}]),
        "martflow.measures[0].name",
        '"first_name" is already a dimension column',
    ),
    (
        "measure-unknown-key",
        spec_yaml(measures=[{"name": "n", "exp": "count(*)"}]),
        "martflow.measures[0]",
        'unknown key "exp"; did you mean "expr"?',
    ),
    (
        "measure-not-mapping",
        spec_yaml(measures=["count(*)"]),
        "martflow.measures[0]",
        'must be {name: ..., expr: "count(*)"}, not text',
    ),
    (
        "fact-without-measures",
        spec_yaml(measures=[]),
        "martflow.measures",
        "a fact needs at least one measure",
    ),
    (
        "dashboard-newline",
        spec_yaml(dashboard="line one\nline two"),
        "martflow.dashboard",
        "must be a single line",
    ),
    (
        "dashboard-line-separator",
        spec_yaml(dashboard="one\u2028two"),
        "martflow.dashboard",
        "must be a single line",
    ),
    (
        "dashboard-control",
        spec_yaml(dashboard="bell\x07"),
        "martflow.dashboard",
        "must not contain control or invisible characters (found U+0007 a control character)",
    ),
    (
        "dashboard-bidi-override",
        spec_yaml(dashboard="Revenue \u202eeunever"),
        "martflow.dashboard",
        "must not contain control or invisible characters (found U+202E RIGHT-TO-LEFT OVERRIDE)",
    ),
    (
        "dashboard-zero-width-space",
        spec_yaml(dashboard="Reve\u200bnue"),
        "martflow.dashboard",
        "must not contain control or invisible characters (found U+200B ZERO WIDTH SPACE)",
    ),
    (
        "identifier-bidi-override",
        spec_yaml(mart="orders\u202e"),
        "martflow.mart",
        "it contains U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    (
        "identifier-zero-width-joiner",
        spec_yaml(grain=["orders.order\u200did"]),
        "martflow.grain[0]",
        "it contains U+200D ZERO WIDTH JOINER",
    ),
    (
        "dashboard-too-long",
        spec_yaml(dashboard="d" * 201),
        "martflow.dashboard",
        "is 201 characters; the limit is 200",
    ),
    (
        "dashboard-not-text",
        spec_yaml(dashboard=2024),
        "martflow.dashboard",
        "must be text (quote it), not the number 2024",
    ),
    (
        "unknown-key",
        spec_yaml(mesures=[]),
        "martflow",
        'unknown key "mesures"; did you mean "measures"?',
    ),
    (
        "unknown-key-far",
        spec_yaml(owner="me"),
        "martflow",
        'unknown key "owner"; expected one of sources, joins, mart, kind',
    ),
    ("body-not-mapping", "martflow: [1, 2]\n", "martflow", "must be a mapping"),
    ("body-empty", "martflow:\n", "martflow", "is empty"),
]


@pytest.mark.parametrize(
    ("text", "field", "reason"), [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_rule(text: str, field: str, reason: str) -> None:
    err = rejected(text, source="specs/DEMO-1.yml")
    wanted = [p for p in err.problems if p.startswith(f"{field}: ") and reason in p]
    assert wanted, f"no problem at {field} saying {reason!r} in {err.problems}"
    assert err.field == field
    assert err.message.startswith(f"specs/DEMO-1.yml: {field}: ")
    assert "\n" not in err.message


def test_brief_example_message_exactly() -> None:
    err = rejected(
        spec_yaml(
            sources=["shop.orders", "shop.customers", "shop.payments"],
            joins=["orders.customer_id = customers.customer_id", "payments.order_id = orders.id"],
            measures=[
                {"name": "n", "expr": "count(*)"},
                {"name": "ltv", "expr": "sum(payments.amount) ; drop table x"},
            ],
        ),
        source="description of DEMO-1",
    )
    assert err.message == (
        'description of DEMO-1: martflow.measures[1].expr: "sum(payments.amount) ; drop table x"'
        " is not an aggregate; use count|sum|avg|min|max(table.column)"
    )
    assert err.field == "martflow.measures[1].expr"
    assert err.title == "Invalid ticket spec"


def test_every_problem_is_listed() -> None:
    err = rejected(
        spec_yaml(
            mart="Bad Mart",
            kind="cube",
            grain=["orders.x", "orders.x"],
            measures=[{"name": "n", "expr": "drop()"}],
            dashboard="a\nb",
            extra=1,
        )
    )
    assert [p.split(": ", 1)[0] for p in err.problems] == [
        "martflow",
        "martflow.mart",
        "martflow.kind",
        "martflow.grain[1]",
        "martflow.measures[0].expr",
        "martflow.dashboard",
    ]
    assert err.message.endswith("(and 5 more problems)")
    assert err.field == "martflow"


def test_hostile_value_is_quoted_escaped_and_shortened_in_the_message() -> None:
    err = rejected(spec_yaml(mart='x"\n\x1b[31m' + "y" * 200))
    assert err.problems == [
        'martflow.mart: "x\\"\\u000a\\u001b[31m'
        + "y" * 52
        + '…" is 208 characters; the limit is 63'
    ]


def test_lookalike_characters_are_named() -> None:
    err = rejected(spec_yaml(mart="\u043erders"))
    assert err.problems == [
        f'martflow.mart: "\u043erders" {IDENT}; it contains U+043E CYRILLIC SMALL LETTER O'
    ]


# -- YAML-level refusals -----------------------------------------------------------------


def test_size_limit_is_64_kib() -> None:
    valid = spec_yaml()
    padding = MAX_SPEC_BYTES - len(valid.encode()) - 2
    assert parse_spec(valid + "#" + "x" * padding + "\n").mart == "customer_orders"
    err = rejected(valid + "#" + "x" * (padding + 1) + "\n")
    assert err.message == "spec: the spec is 65537 bytes; the limit is 65536 (64 KiB)"


def test_size_counts_bytes_not_characters() -> None:
    err = rejected(spec_yaml(dashboard="ok") + "#" + "\u00e9" * 33_000 + "\n")
    assert "bytes; the limit is 65536" in err.message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a: &a [1, 2]\nmartflow: {mart: *a}\n", "line 2, column 18: anchors and aliases"),
        ("martflow: {mart: a, mart: b}\n", 'line 1, column 21: duplicate key "mart"'),
        ("martflow: " + "[" * 40 + "]" * 40, "nested deeper than 16 levels"),
        ("martflow: !!python/object/apply:os.system [id]\n", "could not determine a constructor"),
        ("martflow:\n  mart: 'unterminated\n", "while scanning a quoted scalar"),
        ("martflow: {}\n---\nmartflow: {}\n", "expected a single document in the stream"),
        ("martflow:\n\tmart: x\n", "line 2, column 1"),
    ],
)
def test_yaml_refusals(text: str, reason: str) -> None:
    err = rejected(text, source="specs/X-1.yml")
    assert err.message.startswith("specs/X-1.yml: not valid YAML")
    assert reason in err.message
    assert err.field == "martflow"


@pytest.mark.parametrize("text", ["", "just text", "- a\n- b\n", "other: {mart: x}\n"])
def test_no_martflow_key(text: str) -> None:
    assert rejected(text).message == "spec: no top-level martflow: key"


# -- load_spec ---------------------------------------------------------------------------


def test_spec_file_wins_over_description(tmp_path: Path) -> None:
    spec_file = tmp_path / "DEMO-1.yml"
    spec_file.write_text(spec_yaml(mart="from_file"), encoding="utf-8")
    description = "```yaml\n" + spec_yaml(mart="from_description") + "```"
    assert load_spec(description, spec_file).mart == "from_file"


def test_description_is_used_when_the_file_does_not_exist(tmp_path: Path) -> None:
    description = "```yaml\n" + spec_yaml(mart="from_description") + "```"
    assert load_spec(description, tmp_path / "nope.yml").mart == "from_description"
    assert load_spec(description, None).mart == "from_description"


def test_no_spec_anywhere_says_how_to_add_one(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec("Build me a dashboard please", Path("specs/DEMO-1.yml"), key="DEMO-1")
    assert info.value.message == (
        "no martflow spec in the description of DEMO-1 or specs/DEMO-1.yml; add a ```yaml "
        "block with martflow: to the description, or write specs/DEMO-1.yml"
    )
    with pytest.raises(SpecError, match=r"^no martflow spec in the ticket description or "):
        load_spec({"type": "doc", "content": []}, None)


def test_errors_name_where_the_spec_came_from(tmp_path: Path) -> None:
    spec_file = tmp_path / "DEMO-1.yml"
    spec_file.write_text(spec_yaml(kind="cube"), encoding="utf-8")
    with pytest.raises(SpecError, match=rf"^{spec_file}: martflow.kind: "):
        load_spec("", spec_file)
    description = "{code:yaml}\n" + spec_yaml(kind="cube") + "{code}"
    with pytest.raises(SpecError, match=r"^the description of DEMO-1: martflow.kind: "):
        load_spec(description, tmp_path / "missing.yml", key="DEMO-1")


def test_unreadable_spec_files(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    big.write_text("#" * (MAX_SPEC_BYTES + 1), encoding="utf-8")
    with pytest.raises(SpecError, match=r"big.yml: the spec is 65537 bytes; the limit is 65536"):
        load_spec("", big)
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes(spec_yaml(dashboard="caf\u00e9").encode("latin-1"))
    with pytest.raises(SpecError, match=r"latin1.yml: not UTF-8 text$"):
        load_spec("", latin1)
    folder = tmp_path / "folder.yml"
    folder.mkdir()
    with pytest.raises(SpecError, match=r"folder.yml: cannot read: Is a directory$"):
        load_spec("", folder)


# -- round trip --------------------------------------------------------------------------

ROUND_TRIP = [
    EXPECTED,
    parse_spec(spec_yaml(kind="dimension", measures=[], dashboard="")),
    parse_spec(spec_yaml(sources=["shop.orders"], joins=[], dimensions=[], grain=["id"])),
    parse_spec(spec_yaml(measures=[{"name": "n", "expr": "COUNT( * )"}])),
    *(parse_spec(text) for name, text in HOSTILE_SPECS if name in ACCEPTED_AS_DATA),
    parse_spec(spec_yaml(dashboard="yes")),
    parse_spec(spec_yaml(dashboard="- item: {a: 1} # not a comment")),
    parse_spec(spec_yaml(dashboard="  padded  ")),
]


@pytest.mark.parametrize("spec", ROUND_TRIP, ids=[s.dashboard[:20] for s in ROUND_TRIP])
def test_spec_to_yaml_round_trips(spec: TicketSpec) -> None:
    text = spec_to_yaml(spec)
    assert parse_spec(text) == spec
    assert yaml.safe_load(text) == {"martflow": spec.to_dict()}
    assert parse_spec(extract_spec_text(f"Spec:\n```yaml\n{text}```\n") or "") == spec


def test_spec_to_yaml_is_readable() -> None:
    assert spec_to_yaml(EXPECTED).splitlines()[:3] == [
        "martflow:",
        "  sources: [shop.orders, shop.customers, shop.payments]",
        "  joins: [orders.customer_id = customers.customer_id, "
        "payments.order_id = orders.order_id]",
    ]


# -- hostile corpus ----------------------------------------------------------------------

FIELD_OF = {
    "mart": "martflow.mart",
    "source": "martflow.sources",
    "table": "martflow.sources",
    "grain": "martflow.grain",
    "grain_table": "martflow.grain",
    "dimension": "martflow.dimensions",
    "measure_name": "martflow.measures[0].name",
    "measure_expr": "martflow.measures[0].expr",
    "expr": "martflow.measures[0].expr",
    "join": "martflow.joins",
    "kind": "martflow.kind",
    "key": "martflow",
    "dashboard": "martflow",  # the dashboard rule or the size limit
    "yaml": "martflow",
}


@pytest.mark.parametrize(("name", "text"), HOSTILE_SPECS, ids=[n for n, _ in HOSTILE_SPECS])
def test_hostile_spec_is_rejected_or_kept_as_data(name: str, text: str) -> None:
    if name in ACCEPTED_AS_DATA:
        spec = parse_spec(text)
        assert spec.dashboard == yaml.safe_load(text)["martflow"]["dashboard"]
        assert spec == parse_spec(spec_yaml(dashboard=spec.dashboard))
        assert spec.mart == BASE["mart"]
        return
    err = rejected(text)
    assert err.field.startswith(FIELD_OF[name.split(":", 1)[0]])
    assert err.problems
    assert "\n" not in err.message
    assert len(err.message) < 400


def test_hostile_corpus_covers_what_later_tests_rely_on() -> None:
    names = {n for n, _ in HOSTILE_SPECS}
    assert {"yaml:billion_laughs", "dashboard:100k", "yaml:100k_description"} <= names
    assert len(ACCEPTED_AS_DATA) >= 10 and names >= ACCEPTED_AS_DATA
    assert any(len(t) >= 100_000 for _, t in HOSTILE_TEXTS)


@pytest.mark.parametrize(("name", "text"), HOSTILE_TEXTS, ids=[n for n, _ in HOSTILE_TEXTS])
def test_hostile_free_text_holds_no_spec(name: str, text: str) -> None:
    assert extract_spec_text(text) is None
    with pytest.raises(SpecError, match=r"^no martflow spec in the description of X-1"):
        load_spec(text, None, key="X-1")


@pytest.mark.parametrize(("name", "text"), HOSTILE_TEXTS, ids=[n for n, _ in HOSTILE_TEXTS])
def test_spec_is_found_among_hostile_prose(name: str, text: str) -> None:
    description = f"{text}\n\n```yaml\n{spec_yaml()}```\n\n{text}"
    assert load_spec(description, None, key="X-1") == parse_spec(spec_yaml())
