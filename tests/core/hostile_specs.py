"""Hostile ticket specs and free text, shared by the spec, scaffold and dbt tests.

``HOSTILE_SPECS`` are (name, yaml_text) pairs. Every one must be rejected with a SpecError,
except those named in ``ACCEPTED_AS_DATA``: there the hostile part is the dashboard's free
text, which a spec carries verbatim (it is data; whoever uses it escapes it).
``HOSTILE_TEXTS`` are (name, text) ticket summaries/descriptions with no spec in them.
"""

from __future__ import annotations

import yaml

BASE: dict[str, object] = {
    "sources": ["shop.orders", "shop.customers"],
    "joins": ["orders.customer_id = customers.customer_id"],
    "mart": "customer_orders",
    "kind": "fact",
    "grain": ["customer_id"],
    "dimensions": ["customers.first_name"],
    "measures": [{"name": "order_count", "expr": "count(distinct orders.order_id)"}],
    "dashboard": "Customer orders",
}
"""A valid spec; each hostile spec changes one part of it."""

JINJA_PAYLOADS: list[str] = [
    '{{ run_query("create table pwned as select 1") }}',
    "{{ env_var('JIRA_API_TOKEN') }}",
    "{% raw %}",
    "{% endraw %}{{ env_var('JIRA_API_TOKEN') }}{% raw %}",
    "{#",
    "{{ cookiecutter.__class__.__init__.__globals__ }}",
    "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{% for x in range(10**9) %}{% endfor %}",
]

PATHS: list[str] = ["../../etc/passwd", "..", "/etc/passwd", "..\\..\\windows", "~/x", "a/b"]

SQL_INJECTIONS: list[str] = [
    'x"; drop table y; --',
    "orders'--",
    "a; drop table x",
    "a -- comment",
    "a /* c */",
    "`a`",
    "a b",
]

# Characters that look like ASCII letters but are not.
LOOKALIKES: list[str] = [
    "\u043erders",  # Cyrillic o
    "\u212aey",  # Kelvin sign
    "\uff4frders",  # fullwidth o
    "ord\u200bers",  # zero-width space
    "\u0131d",  # dotless i
    "\ufb01rst_name",  # fi ligature
    "orders\u202e",  # right-to-left override
    "ORDERS",
    "9orders",
    "x" * 64,
]

JINJA_DASHBOARDS: list[str] = [
    *JINJA_PAYLOADS,
    "{{ '{' }}",
    "}}{{",
    "[bold red]rich markup[/]",
    "<script>alert(1)</script>",
    "%s %(x)s {0} $HOME `id` $(id)",
    "[click](javascript:alert(1)) ![x](http://127.0.0.1/x.png)",
    "'; drop table orders; --",
    "\u0421ustomer \u043erders",  # homoglyphs: visible, so accepted as data
    "x" * 200,
]


def spec_yaml(**changes: object) -> str:
    """``BASE`` with ``changes`` applied, as YAML (safe_dump quotes every payload)."""
    body = {**BASE, **changes}
    return yaml.safe_dump({"martflow": body}, sort_keys=False, allow_unicode=True)


def _in_every_identifier(payload: str) -> list[tuple[str, str]]:
    slug = payload[:24]
    return [
        (f"mart:{slug}", spec_yaml(mart=payload)),
        (f"source:{slug}", spec_yaml(sources=[f"{payload}.orders", "shop.customers"])),
        (f"table:{slug}", spec_yaml(sources=[f"shop.{payload}", "shop.customers"])),
        (f"grain:{slug}", spec_yaml(grain=[payload])),
        (f"grain_table:{slug}", spec_yaml(grain=[f"orders.{payload}"])),
        (f"dimension:{slug}", spec_yaml(dimensions=[f"customers.{payload}"])),
        (f"measure_name:{slug}", spec_yaml(measures=[{"name": payload, "expr": "count(*)"}])),
        (
            f"measure_expr:{slug}",
            spec_yaml(measures=[{"name": "n", "expr": f"sum(orders.{payload})"}]),
        ),
        (f"join:{slug}", spec_yaml(joins=[f"orders.{payload} = customers.customer_id"])),
    ]


_BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

HOSTILE_SPECS: list[tuple[str, str]] = [
    *(
        case
        for p in JINJA_PAYLOADS + PATHS + SQL_INJECTIONS + LOOKALIKES
        for case in _in_every_identifier(p)
    ),
    (
        "expr:statement",
        spec_yaml(measures=[{"name": "n", "expr": "sum(orders.amount); drop table x"}]),
    ),
    ("expr:comment", spec_yaml(measures=[{"name": "n", "expr": "sum(orders.amount) -- x"}])),
    ("expr:arithmetic", spec_yaml(measures=[{"name": "n", "expr": "sum(orders.amount + 1)"}])),
    ("expr:filter", spec_yaml(measures=[{"name": "n", "expr": "count(*) filter (where true)"}])),
    ("expr:subquery", spec_yaml(measures=[{"name": "n", "expr": "max((select 1))"}])),
    ("expr:jinja", spec_yaml(measures=[{"name": "n", "expr": "sum({{ orders.amount }})"}])),
    ("expr:newline", spec_yaml(measures=[{"name": "n", "expr": "sum(orders.amount)\n; drop"}])),
    ("expr:long_s", spec_yaml(measures=[{"name": "n", "expr": "\u017fum(orders.amount)"}])),
    ("expr:sum_star", spec_yaml(measures=[{"name": "n", "expr": "sum(*)"}])),
    ("join:statement", spec_yaml(joins=["orders.customer_id = customers.customer_id; drop"])),
    ("join:or", spec_yaml(joins=["orders.customer_id = customers.customer_id or 1 = 1"])),
    ("kind:jinja", spec_yaml(kind="{{ env_var('JIRA_API_TOKEN') }}")),
    ("key:jinja", spec_yaml(**{"{{ env_var('JIRA_API_TOKEN') }}": 1})),
    ("dashboard:newline", spec_yaml(dashboard="title\n{{ env_var('JIRA_API_TOKEN') }}")),
    ("dashboard:escape", spec_yaml(dashboard="\x1b]0;pwned\x07 title")),
    ("dashboard:201", spec_yaml(dashboard="x" * 201)),
    ("dashboard:100k", spec_yaml(dashboard="{{ x }}" * 14_286)),
    ("yaml:100k_description", spec_yaml(description="x" * 100_000)),
    ("yaml:100k_comment", spec_yaml() + "#" * 100_000 + "\n"),
    ("yaml:billion_laughs", _BILLION_LAUGHS + "martflow: {mart: *i}\n"),
    ("yaml:python_tag", "martflow: !!python/object/apply:os.system [id]\n"),
    ("yaml:duplicate_mart", spec_yaml().replace("mart: customer_orders", "mart: a\n  mart: b")),
    ("yaml:deep", "martflow: " + "[" * 5_000 + "]" * 5_000 + "\n"),
    ("yaml:two_documents", spec_yaml() + "---\n" + spec_yaml(mart="other")),
    ("yaml:not_a_mapping", "martflow: '{{ run_query(\"select 1\") }}'\n"),
    *((f"dashboard:{d[:24]}", spec_yaml(dashboard=d)) for d in JINJA_DASHBOARDS),
]

ACCEPTED_AS_DATA: frozenset[str] = frozenset(f"dashboard:{d[:24]}" for d in JINJA_DASHBOARDS)
"""Names in HOSTILE_SPECS that validate, carrying their dashboard text verbatim."""

HOSTILE_TEXTS: list[tuple[str, str]] = [
    *((f"jinja:{p[:24]}", p) for p in JINJA_PAYLOADS),
    ("jinja_in_prose", "Please build {{ env_var('JIRA_API_TOKEN') }} for {% raw %} the CEO {#"),
    ("cookiecutter", "{{ cookiecutter.mart }} {{ cookiecutter | tojson }}"),
    ("paths", "../../etc/passwd /etc/shadow C:\\Windows\\system32 ~/.ssh/id_rsa"),
    ("sql", "'; drop table orders; -- \" ` $(id) `id`"),
    ("yaml_breakers", "key: value\n- item\n&anchor *alias !!python/object:os.system ---\n..."),
    ("markdown", "# heading\n```\nnot a spec\n```\n[link](javascript:alert(1))"),
    ("wiki", "{code}not a spec{code} {noformat} h1. *bold* [~accountid:123]"),
    ("control", "bell\x07 escape\x1b[31m red\x1b[0m null\x00 cr\r lf\n tab\t"),
    (
        "unicode",
        "\u0421ustomer \u202eevil\u202c \u200b\ufeff zero width, emoji \U0001f600, e\u0301",
    ),
    ("rich_markup", "[bold red]alarm[/] [link=http://evil]x[/link]"),
    ("long_line", "x" * 100_000),
    ("long_lines", ("line of prose {{ x }}\n" * 5_000)[:100_000]),
    ("empty", ""),
    ("whitespace", " \n\t\n "),
]
"""Free text (summaries, descriptions) with hostile content and no spec."""
