"""The spec editor's form: one field per spec key, read back as a SpecDraft."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select

from martflow.services.spec_draft import (
    SpecDraft,
    format_measures,
    parse_measures,
    split_list,
)

LIST_FIELDS = ("sources", "joins", "grain", "dimensions")
"""Inputs holding comma-separated lists."""

_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("mart", "Mart name (fct_/dim_ is added)", "e.g. customer_orders"),
    ("sources", "Sources (source.table, comma-separated)", "e.g. shop.orders, shop.customers"),
    ("joins", "Joins (a.col = b.col, comma-separated)", "e.g. orders.customer_id = customers.id"),
    ("grain", "Grain (table.column; bare = first source)", "e.g. customers.customer_id"),
    ("dimensions", "Dimensions (table.column)", "e.g. customers.first_name"),
    ("measures", "Measures (name=agg(table.column))", "e.g. order_count=count(*)"),
    ("dashboard", "Dashboard name", "e.g. Customer lifetime value"),
)
"""(field, label, placeholder): placeholders start with "e.g." and are grey italic, so an
empty field never looks filled in."""


class SpecForm(VerticalScroll, can_focus=False):
    """Inputs for every part of a spec; changes bubble as Input/Select/Checkbox events.

    The form itself never takes the focus (Tab goes from field to field, never to the
    scrolling container, which would swallow typing).
    """

    FIELD_ORDER = ("mart", "kind", *(name for name, _label, _hint in _FIELDS[1:]))

    DEFAULT_CSS = """
    SpecForm {
        height: 1fr;
        padding: 0 1;
    }
    SpecForm Label {
        margin-top: 1;
        color: $text-muted;
    }
    SpecForm Input {
        width: 100%;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    SpecForm Input:focus {
        border: none;
        background: $primary 30%;
    }
    SpecForm Input > .input--placeholder {
        color: $text-disabled;
        text-style: italic;
    }
    SpecForm Input.-broken {
        background: $error 25%;
    }
    SpecForm Label.-broken {
        color: $error;
        text-style: bold;
    }
    SpecForm Select {
        width: 100%;
    }
    SpecForm Select > SelectCurrent {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    SpecForm Select:focus > SelectCurrent {
        border: none;
        background: $primary 30%;
    }
    SpecForm Checkbox {
        margin-top: 1;
        height: 1;
        border: none;
        padding: 0;
    }
    """

    def compose(self) -> ComposeResult:
        for name, label, placeholder in _FIELDS[:1]:
            yield Label(label, id=f"label-{name}")
            yield Input(placeholder=placeholder, id=f"spec-{name}", select_on_focus=False)
        yield Label("Kind", id="label-kind")
        yield Select(
            [("fact (measures per grain)", "fact"), ("dimension (one row per key)", "dimension")],
            value="fact",
            allow_blank=False,
            id="spec-kind",
        )
        for name, label, placeholder in _FIELDS[1:]:
            yield Label(label, id=f"label-{name}")
            yield Input(placeholder=placeholder, id=f"spec-{name}", select_on_focus=False)
        yield Checkbox("Post to the ticket when saving", id="spec-post")

    def mark_broken(self, broken: frozenset[str]) -> None:
        """Mark the fields a problem names (label in red, "← fix" after it)."""
        for name in self.FIELD_ORDER:
            label = self.query_one(f"#label-{name}", Label)
            text = str(label.content).removesuffix("  ← fix this")
            label.update(f"{text}  ← fix this" if name in broken else text)
            label.set_class(name in broken, "-broken")
            if name != "kind":
                self.input_for(name).set_class(name in broken, "-broken")

    def focus_field(self, name: str) -> None:
        """Focus ``name``'s input (or the kind selector)."""
        if name == "kind":
            self.query_one("#spec-kind", Select).focus()
        else:
            self.input_for(name).focus()

    def input_for(self, name: str) -> Input:
        return self.query_one(f"#spec-{name}", Input)

    @property
    def post_to_ticket(self) -> bool:
        return self.query_one("#spec-post", Checkbox).value

    def draft(self) -> SpecDraft:
        """What the inputs say now (validated by the caller)."""
        kind = self.query_one("#spec-kind", Select).value
        return SpecDraft(
            sources=split_list(self.input_for("sources").value),
            joins=split_list(self.input_for("joins").value),
            mart=self.input_for("mart").value.strip(),
            kind=kind if isinstance(kind, str) else "fact",
            grain=split_list(self.input_for("grain").value),
            dimensions=split_list(self.input_for("dimensions").value),
            measures=parse_measures(self.input_for("measures").value),
            dashboard=self.input_for("dashboard").value.strip(),
        )

    def fill(self, draft: SpecDraft) -> None:
        """Show ``draft`` in the inputs."""
        self.input_for("mart").value = draft.mart
        self.query_one("#spec-kind", Select).value = (
            draft.kind if draft.kind in ("fact", "dimension") else "fact"
        )
        for name in LIST_FIELDS:
            self.input_for(name).value = ", ".join(getattr(draft, name))
        self.input_for("measures").value = format_measures(draft.measures)
        self.input_for("dashboard").value = draft.dashboard

    def toggle_source(self, source: str) -> bool:
        """Add ``source`` to the sources, or remove it; True when it was added."""
        items = split_list(self.input_for("sources").value)
        added = source not in items
        items = [*items, source] if added else [i for i in items if i != source]
        self.input_for("sources").value = ", ".join(items)
        return added

    def add_item(self, name: str, item: str) -> bool:
        """Append ``item`` to a list field unless it is there; True when it was added."""
        items = split_list(self.input_for(name).value)
        if item in items:
            return False
        self.input_for(name).value = ", ".join([*items, item])
        return True
