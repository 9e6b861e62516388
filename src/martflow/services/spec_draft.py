"""A spec being edited: the user's choices as YAML, checked by parse_spec, saved and posted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import yaml

from martflow.core.document import Document
from martflow.core.models import OutboxState, TicketSpec
from martflow.core.workflow import comments
from martflow.errors import MartflowError, SpecError, UsageError
from martflow.services.ports import HasEngine, HasLedger, HasProject, HasTracker


class SpecDraftPorts(HasProject, HasTracker, HasLedger, HasEngine, Protocol):
    """The spec file and the ticket, and the outbox a posted spec goes through."""


_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-[0-9]+")
_DUPLICATE_STATES = (OutboxState.PENDING, OutboxState.IN_FLIGHT, OutboxState.CONFIRMED)
POST_STEP = "spec"
"""The outbox ``step`` of a posted spec (not a pipeline step)."""


@dataclass
class MeasureDraft:
    """One measure as typed: a name and an aggregate expression."""

    name: str
    expr: str


@dataclass
class SpecDraft:
    """What the user picked so far; any field may be invalid until ``validate`` says not."""

    sources: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    mart: str = ""
    kind: str = "fact"
    grain: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    measures: list[MeasureDraft] = field(default_factory=list)
    dashboard: str = ""

    @classmethod
    def from_spec(cls, spec: TicketSpec) -> SpecDraft:
        """The draft of a valid spec (bare grain columns come back with their table)."""
        return cls(
            sources=[s.name for s in spec.sources],
            joins=[f"{j.left} = {j.right}" for j in spec.joins],
            mart=spec.mart,
            kind=spec.kind,
            grain=[str(g) for g in spec.grain],
            dimensions=[str(d) for d in spec.dimensions],
            measures=[MeasureDraft(m.name, m.expr) for m in spec.measures],
            dashboard=spec.dashboard,
        )


@dataclass(frozen=True)
class PostResult:
    """What posting the spec did: delivered now, queued for later, or posted before."""

    state: Literal["delivered", "queued", "already"]
    detail: str = ""


# -- text <-> draft ----------------------------------------------------------------------


def split_list(text: str) -> list[str]:
    """``"a, b,, c"`` -> ``["a", "b", "c"]``; commas inside parentheses do not split."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth <= 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def parse_measures(text: str) -> list[MeasureDraft]:
    """``"orders=count(*), total=sum(o.amount)"``; an item without ``=`` has no name."""
    measures = []
    for item in split_list(text):
        name, sep, expr = item.partition("=")
        measures.append(MeasureDraft(name.strip(), expr.strip()) if sep else MeasureDraft("", item))
    return measures


def format_measures(measures: list[MeasureDraft]) -> str:
    """The inverse of ``parse_measures``."""
    return ", ".join(f"{m.name}={m.expr}" if m.name else m.expr for m in measures)


def draft_to_yaml(draft: SpecDraft) -> str:
    """The draft as ``specs/KEY.yml`` text, in ``spec_to_yaml``'s layout.

    Every value is dumped as a string by ``yaml.safe_dump``, so typed text stays text
    (``yes``, ``{{ x }}``, quotes) and ``parse_spec`` judges exactly what was typed.
    """
    body: dict[str, object] = {
        "sources": list(draft.sources),
        "joins": list(draft.joins),
        "mart": draft.mart,
        "kind": draft.kind,
        "grain": list(draft.grain),
        "dimensions": list(draft.dimensions),
        "measures": [{"name": m.name, "expr": m.expr} for m in draft.measures],
        "dashboard": draft.dashboard,
    }
    return yaml.safe_dump(
        {"martflow": body},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=10_000,
    )


def validate(draft: SpecDraft) -> list[str]:
    """Every problem of the draft, as ``field: reason`` lines; empty when it is a valid spec."""
    return validate_text(draft_to_yaml(draft))


def validate_text(yaml_text: str, source: str = "spec") -> list[str]:
    """Every problem ``parse_spec`` finds in ``yaml_text`` (the one validator)."""
    try:
        _parse(yaml_text, source)
    except SpecError as exc:
        return list(exc.problems)
    return []


def _parse(yaml_text: str, source: str) -> TicketSpec:
    from martflow.core.spec import parse_spec

    return parse_spec(yaml_text, source=source)


# -- loading, saving, posting ------------------------------------------------------------


@dataclass(frozen=True)
class LoadedDraft:
    """A ticket's spec as far as it parses: the draft, the spec's problems, the fields at
    fault (``sources``, ``grain``…; ``martflow`` when the YAML itself is broken)."""

    draft: SpecDraft
    problems: tuple[str, ...] = ()
    broken: frozenset[str] = frozenset()


def load_draft(context: SpecDraftPorts, key: str) -> LoadedDraft:
    """The ticket's spec (``specs/KEY.yml``, else the description) as a draft.

    An invalid spec still fills every field that reads as text (one typo must not mean
    retyping everything); its problems and the fields they name come with it. No spec at
    all gives an empty draft. Raises the tracker's errors when the description must be
    read and cannot be.
    """
    from martflow.core.spec import extract_spec_text, load_spec

    path = spec_path(context, key)
    description = "" if path.exists() else context.tracker.get_ticket(key).description
    try:
        return LoadedDraft(SpecDraft.from_spec(load_spec(description, path, key=key)))
    except SpecError as exc:
        problems = tuple(exc.problems)
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else None
        text = text if text is not None else extract_spec_text(description)
        if text is None:
            return LoadedDraft(SpecDraft())
        return LoadedDraft(lenient_draft(text), problems, broken_fields(problems))


def lenient_draft(text: str) -> SpecDraft:
    """Every field of ``text``'s ``martflow:`` mapping that reads as text or a list of text."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return SpecDraft()
    body = data.get("martflow") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return SpecDraft()

    def items(name: str) -> list[str]:
        value = body.get(name)
        values = value if isinstance(value, list) else [] if value is None else [value]
        return [str(v) for v in values if not isinstance(v, dict | list)]

    measures = [
        MeasureDraft(str(m.get("name", "")), str(m.get("expr", "")))
        if isinstance(m, dict)
        else MeasureDraft("", str(m))
        for m in _as_list(body.get("measures"))
    ]
    kind = body.get("kind")
    return SpecDraft(
        sources=items("sources"),
        joins=items("joins"),
        mart=str(body.get("mart") or ""),
        kind=kind if kind in ("fact", "dimension") else "fact",
        grain=items("grain"),
        dimensions=items("dimensions"),
        measures=measures,
        dashboard=str(body.get("dashboard") or ""),
    )


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


DRAFT_FIELDS = ("sources", "joins", "mart", "kind", "grain", "dimensions", "measures", "dashboard")


def broken_fields(problems: tuple[str, ...]) -> frozenset[str]:
    """The draft fields the problems name (``martflow.grain[0]: …`` -> ``grain``)."""
    broken = set()
    for problem in problems:
        for name in DRAFT_FIELDS:
            if f"martflow.{name}" in problem:
                broken.add(name)
    return frozenset(broken)


def spec_path(context: HasProject, key: str) -> Path:
    """``specs/KEY.yml``, refusing a key or a specs folder that would lead outside the project.

    Raises:
        UsageError: for such a key or folder, or when the file is a symbolic link.
    """
    if not _KEY.fullmatch(key):
        raise UsageError(f"{key!r} is not a ticket key like DEMO-1")
    root = context.project.root.resolve()
    path = context.project.specs_dir / f"{key}.yml"
    folder = path.parent.resolve()
    if not folder.is_relative_to(root):
        raise UsageError(f"{folder} is outside the project {root}; not writing specs there")
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link; martflow does not write through it")
    return folder / path.name


def save_spec(context: HasProject, key: str, yaml_text: str) -> Path:
    """Write ``yaml_text`` to ``specs/KEY.yml`` atomically, only if it is a valid spec.

    Raises:
        SpecError: the text does not validate (nothing is written).
        UsageError: the key or the specs folder leads outside the project.
    """
    from martflow.project_scaffold.atomic import atomic_write_text

    path = spec_path(context, key)
    _parse(yaml_text, f"specs/{key}.yml")
    atomic_write_text(path, yaml_text if yaml_text.endswith("\n") else yaml_text + "\n")
    return path


def comment_body(key: str, yaml_text: str) -> Document:
    """The ticket comment carrying the spec in a code block."""
    return comments.spec_posted(key, yaml_text)


def post_spec(context: SpecDraftPorts, key: str, yaml_text: str) -> PostResult:
    """Post the valid spec to the ticket as a comment, through the outbox.

    The same text is posted once: an identical comment already queued or delivered is
    not queued again. When the tracker is down the comment stays queued (``sync``
    delivers it); while another run holds the ticket it is left for that run.

    Raises:
        SpecError: the text does not validate.
    """
    _parse(yaml_text, f"specs/{key}.yml")
    body = comment_body(key, yaml_text).to_payload()
    existing = [
        e
        for e in context.ledger.outbox(key)
        if e.step == POST_STEP and e.kind == "comment" and e.payload == body
    ]
    if any(e.state is OutboxState.CONFIRMED for e in existing):
        return PostResult("already", "this spec was posted to the ticket before")
    if not any(e.state in _DUPLICATE_STATES for e in existing):
        context.ledger.enqueue(key, POST_STEP, "comment", key, body)
    try:
        report = context.engine().sync(key)
    except MartflowError as exc:  # a run holds the ticket, or the token was refused: queued
        return PostResult("queued", exc.message)
    latest = [e for e in context.ledger.outbox(key) if e.step == POST_STEP and e.payload == body]
    state = latest[-1].state if latest else OutboxState.PENDING
    if state is OutboxState.CONFIRMED:
        return PostResult("delivered")
    if state is OutboxState.FAILED:
        raise UsageError(f"the tracker refused the spec comment: {latest[-1].last_error}")
    return PostResult("queued", report.unreachable or "the tracker did not answer")
