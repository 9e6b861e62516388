"""Spec drafts: the editor's choices as YAML, validated by parse_spec, saved and posted once."""

from __future__ import annotations

from pathlib import Path

import pytest

from martflow.core.models import ColumnRef, OutboxState
from martflow.core.spec import parse_spec, spec_to_yaml
from martflow.errors import RemoteUnavailableError, SpecError, UsageError
from martflow.services.spec_draft import (
    MeasureDraft,
    SpecDraft,
    draft_to_yaml,
    format_measures,
    load_draft,
    parse_measures,
    post_spec,
    save_spec,
    split_list,
    validate,
)
from tests.core.hostile_specs import JINJA_PAYLOADS, PATHS, SQL_INJECTIONS
from tests.fakes.ports import FakePorts
from tests.services.spec_samples import EXPECTED


def good_draft() -> SpecDraft:
    return SpecDraft(
        sources=["shop.orders", "shop.customers"],
        joins=["orders.customer_id = customers.customer_id"],
        mart="customer_orders",
        kind="fact",
        grain=["customers.customer_id"],
        dimensions=["customers.first_name"],
        measures=[MeasureDraft("order_count", "count(distinct orders.order_id)")],
        dashboard="Customer orders",
    )


@pytest.fixture
def context(tmp_path: Path) -> FakePorts:
    ports = FakePorts(tmp_path / "repo")
    ports.tracker.create_ticket("Customer orders", "no spec yet")
    return ports


def specs_dir(context: FakePorts) -> Path:
    return context.project.specs_dir


# -- text helpers --------------------------------------------------------------------------


def test_lists_split_on_commas_outside_parentheses() -> None:
    assert split_list(" a, b,, c ,") == ["a", "b", "c"]
    assert split_list("") == []
    assert split_list("n=count(distinct a.b), m = sum(x.y)") == [
        "n=count(distinct a.b)",
        "m = sum(x.y)",
    ]


def test_measures_round_trip_through_their_input_text() -> None:
    measures = parse_measures("order_count = count(*), total=sum(orders.amount), sum(x.y)")
    assert measures == [
        MeasureDraft("order_count", "count(*)"),
        MeasureDraft("total", "sum(orders.amount)"),
        MeasureDraft("", "sum(x.y)"),
    ]
    assert parse_measures(format_measures(measures)) == measures


# -- YAML and validation -------------------------------------------------------------------


def test_a_valid_draft_is_the_spec_in_the_spec_file_layout() -> None:
    text = draft_to_yaml(good_draft())

    assert validate(good_draft()) == []
    assert parse_spec(text) == EXPECTED
    assert text == spec_to_yaml(EXPECTED)
    assert SpecDraft.from_spec(EXPECTED) == good_draft()


def test_an_empty_draft_names_every_missing_field() -> None:
    problems = validate(SpecDraft())
    assert any(p.startswith("martflow.sources:") for p in problems)
    assert any(p.startswith("martflow.mart:") for p in problems)
    assert any(p.startswith("martflow.grain:") for p in problems)
    assert any(p.startswith("martflow.measures:") for p in problems)  # a fact needs one


def test_a_bare_grain_column_belongs_to_the_first_source() -> None:
    draft = good_draft()
    draft.grain = ["order_id"]
    draft.dimensions = []
    assert validate(draft) == []
    assert parse_spec(draft_to_yaml(draft)).grain == (ColumnRef("orders", "order_id"),)


def test_typed_text_stays_text_in_the_yaml() -> None:
    draft = good_draft()
    draft.mart = "yes"  # a YAML boolean if it were not quoted
    draft.dashboard = "null"
    assert validate(draft) == []
    spec = parse_spec(draft_to_yaml(draft))
    assert (spec.mart, spec.dashboard) == ("yes", "null")


HOSTILE_FIELDS = [
    *[("mart", value) for value in PATHS + JINJA_PAYLOADS + SQL_INJECTIONS],
    ("mart", 'customer"orders'),
    ("mart", "fct_orders"),
    ("grain", 'customers."Customer ID"'),
    ("grain", "customers.customer_id'; drop table x; --"),
    ("grain", "{{ env_var('JIRA_API_TOKEN') }}"),
    ("dimensions", 'customers.first_name" as x, "y'),
    ("dimensions", "customers.{{ x }}"),
    ("sources", "shop.{{ run_query('drop table x') }}"),
    ("sources", "../shop.orders"),
    ("joins", "orders.customer_id = customers.customer_id or 1=1"),
    ("joins", 'orders."customer_id" = customers.customer_id'),
    ("measures", "{{ env_var('JIRA_API_TOKEN') }}"),
    ("measures", "sum(orders.amount) + 1"),
    ("measures", 'sum(orders."amount")'),
    ("measure_name", "x{{ y }}"),
    ("measure_name", "../../x"),
    ("kind", "{{ fact }}"),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_FIELDS)
def test_hostile_input_is_rejected_and_never_written(
    context: FakePorts, field: str, value: str
) -> None:
    draft = good_draft()
    if field == "measures":
        draft.measures = [MeasureDraft("hostile", value)]
    elif field == "measure_name":
        draft.measures = [MeasureDraft(value, "count(*)")]
    elif field in ("mart", "kind"):
        setattr(draft, field, value)
    else:
        setattr(draft, field, [*getattr(draft, field), value])

    assert validate(draft) != []
    with pytest.raises(SpecError):
        save_spec(context, "DEMO-1", draft_to_yaml(draft))
    assert not specs_dir(context).exists() or list(specs_dir(context).iterdir()) == []


# -- saving --------------------------------------------------------------------------------


def test_save_writes_the_spec_file_atomically(context: FakePorts) -> None:
    text = draft_to_yaml(good_draft())

    path = save_spec(context, "DEMO-1", text)

    assert path == specs_dir(context).resolve() / "DEMO-1.yml"
    assert path.read_text(encoding="utf-8") == text
    assert parse_spec(path.read_text(encoding="utf-8")) == EXPECTED
    assert sorted(p.name for p in specs_dir(context).iterdir()) == ["DEMO-1.yml"]

    changed = good_draft()
    changed.dashboard = "Orders per customer"
    save_spec(context, "DEMO-1", draft_to_yaml(changed))
    assert parse_spec(path.read_text(encoding="utf-8")).dashboard == "Orders per customer"
    assert sorted(p.name for p in specs_dir(context).iterdir()) == ["DEMO-1.yml"]


@pytest.mark.parametrize("key", ["../DEMO-1", "DEMO-1/../../x", "/etc/passwd", "", "DEMO-1.yml"])
def test_save_refuses_keys_that_are_paths(context: FakePorts, key: str) -> None:
    root = context.project.root
    before = sorted(root.parent.rglob("*"))
    with pytest.raises(UsageError):
        save_spec(context, key, draft_to_yaml(good_draft()))
    assert not specs_dir(context).exists()
    assert sorted(root.parent.rglob("*")) == before


def test_save_refuses_a_specs_folder_or_file_linked_outside(
    context: FakePorts, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    specs_dir(context).symlink_to(outside, target_is_directory=True)
    with pytest.raises(UsageError, match="outside the project"):
        save_spec(context, "DEMO-1", draft_to_yaml(good_draft()))
    assert list(outside.iterdir()) == []

    specs_dir(context).unlink()
    specs_dir(context).mkdir()
    (specs_dir(context) / "DEMO-1.yml").symlink_to(outside / "victim.yml")
    with pytest.raises(UsageError, match="symbolic link"):
        save_spec(context, "DEMO-1", draft_to_yaml(good_draft()))
    assert list(outside.iterdir()) == []


# -- loading -------------------------------------------------------------------------------


def test_load_prefills_from_the_spec_file_then_the_description(context: FakePorts) -> None:
    assert load_draft(context, "DEMO-1").draft == SpecDraft()  # no spec anywhere

    described = context.tracker.create_ticket(
        "With a spec", f"Please build:\n\n```yaml\n{draft_to_yaml(good_draft())}```\n"
    )
    assert load_draft(context, described.key).draft == good_draft()

    save_spec(context, "DEMO-1", draft_to_yaml(good_draft()))
    loaded = load_draft(context, "DEMO-1")
    assert loaded.draft == good_draft() and loaded.problems == ()


def test_an_invalid_spec_loads_as_far_as_it_parses_with_the_broken_fields_named(
    context: FakePorts,
) -> None:
    broken = context.tracker.create_ticket(
        "Broken",
        "```yaml\nmartflow:\n  sources: [shop.payments]\n  mart: payments\n"
        "  grain: [payments.payment_id]\n  measures:\n    - {name: total}\n"
        "  dashboard: Payments\n```\n",
    )
    loaded = load_draft(context, broken.key)
    assert loaded.draft.sources == ["shop.payments"]
    assert loaded.draft.mart == "payments"
    assert loaded.draft.grain == ["payments.payment_id"]
    assert loaded.draft.dashboard == "Payments"
    assert loaded.problems and "measures" in loaded.broken
    assert "sources" not in loaded.broken and "mart" not in loaded.broken


def test_yaml_that_does_not_parse_loads_as_an_empty_draft_with_its_problem(
    context: FakePorts,
) -> None:
    broken = context.tracker.create_ticket("Broken", "```yaml\nmartflow: [unclosed\n```\n")
    loaded = load_draft(context, broken.key)
    assert loaded.draft == SpecDraft()
    assert loaded.problems and "not valid YAML" in loaded.problems[0]


# -- posting -------------------------------------------------------------------------------


def test_posting_the_same_spec_twice_comments_once(context: FakePorts) -> None:
    text = draft_to_yaml(good_draft())

    first = post_spec(context, "DEMO-1", text)
    second = post_spec(context, "DEMO-1", text)

    assert (first.state, second.state) == ("delivered", "already")
    comments = context.tracker.get_ticket("DEMO-1").comments
    assert len(comments) == 1
    assert "```yaml\n" + text.rstrip() + "\n```" in comments[0].body
    assert [e.state for e in context.ledger.outbox("DEMO-1")] == [OutboxState.CONFIRMED]

    changed = good_draft()
    changed.dashboard = "Orders per customer"
    assert post_spec(context, "DEMO-1", draft_to_yaml(changed)).state == "delivered"
    assert len(context.tracker.get_ticket("DEMO-1").comments) == 2


def test_posting_while_the_tracker_is_down_queues_once_and_sync_delivers(
    context: FakePorts,
) -> None:
    tracker = context.tracker
    down = RemoteUnavailableError("tracker down", applied=False, retry_after=3600)
    text = draft_to_yaml(good_draft())

    tracker.fail_next("add_comment", 2, down)
    first = post_spec(context, "DEMO-1", text)
    second = post_spec(context, "DEMO-1", text)

    assert (first.state, second.state) == ("queued", "queued")
    assert "tracker down" in first.detail
    open_entries = context.ledger.outbox("DEMO-1", open_only=True)
    assert len(open_entries) == 1
    assert tracker.comments("DEMO-1") == []

    assert context.engine().sync("DEMO-1").delivered == 1
    assert post_spec(context, "DEMO-1", text).state == "already"
    assert tracker.posted_comments == 1


def test_posting_while_a_run_holds_the_ticket_leaves_the_comment_queued(
    context: FakePorts,
) -> None:
    context.ledger.acquire("DEMO-1")
    try:
        result = post_spec(context, "DEMO-1", draft_to_yaml(good_draft()))
        assert result.state == "queued"
        assert context.ledger.lock_holder("DEMO-1") is not None  # the run keeps its lock
    finally:
        context.ledger.release("DEMO-1")
    assert context.tracker.get_ticket("DEMO-1").comments == ()
    assert context.engine().sync("DEMO-1").delivered == 1


def test_an_invalid_spec_is_not_posted(context: FakePorts) -> None:
    invalid = good_draft()
    invalid.mart = "../x"
    with pytest.raises(SpecError):
        post_spec(context, "DEMO-1", draft_to_yaml(invalid))
    assert context.ledger.outbox("DEMO-1") == []
    assert context.tracker.get_ticket("DEMO-1").comments == ()


def test_free_text_that_looks_like_markup_is_posted_as_it_is(context: FakePorts) -> None:
    closing = good_draft()
    closing.dashboard = "Orders {code} injected ```"
    assert post_spec(context, "DEMO-1", draft_to_yaml(closing)).state == "delivered"
    (comment,) = context.tracker.get_ticket("DEMO-1").comments
    assert "Orders {code} injected ```" in comment.body
