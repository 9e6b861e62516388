"""Plain-text and JSON renderings shared by the commands."""

from __future__ import annotations

from typing import Any

from martflow.core.models import OutboxEntry, StepRecord, Ticket
from martflow.core.safe_text import clip, visible

SHOWN_DESCRIPTION = 4000
"""Characters of a description `show` prints; `--full` prints all of it."""


def tickets_table(tickets: list[Ticket]) -> str:
    if not tickets:
        return "no tickets"
    rows = [(visible(t.key), visible(t.status), visible(t.summary)) for t in tickets]
    width = max(len(key) for key, _, _ in rows)
    status_width = max(len(status) for _, status, _ in rows)
    return "\n".join(f"{k:<{width}}  {st:<{status_width}}  {summary}" for k, st, summary in rows)


def show_document(
    ticket: Ticket, spec: dict[str, Any] | None, spec_error: str, steps: list[StepRecord]
) -> dict[str, Any]:
    """The `show --json` shape (design: Contracts / CLI)."""
    return {
        "key": ticket.key,
        "summary": ticket.summary,
        "status": ticket.status,
        "description": ticket.description,
        "spec": spec,
        "spec_error": spec_error or None,
        "comments": [{"body": c.body, "created": c.created.isoformat()} for c in ticket.comments],
        "steps": [s.to_json() for s in steps],
    }


def show_text(document: dict[str, Any], full: bool = False) -> str:
    """The human `show`; a long description is cut with a note unless ``full``."""
    description = document["description"].strip()
    left_out = 0
    if not full:
        description, left_out = clip(description, SHOWN_DESCRIPTION)
    lines = [
        f"{visible(document['key'])}  [{visible(document['status'])}]  "
        f"{visible(document['summary'])}",
        "",
        visible(description, keep_newlines=True, keep_tabs=True) or "(no description)",
    ]
    if left_out:
        lines += [
            "",
            f"[description cut: {left_out:,} more characters; "
            f"`martflow show {document['key']} --full` shows all of it]",
        ]
    lines.append("")
    if document["spec_error"]:
        lines.append(f"spec: INVALID - {document['spec_error']}")
    elif document["spec"]:
        spec = document["spec"]
        lines.append(f"spec: {spec['kind']} {spec['mart']} over {', '.join(spec['sources'])}")
    lines.append("")
    lines.append(steps_text(document["steps"]))
    if document["comments"]:
        lines.append("")
        lines.append(f"comments ({len(document['comments'])}):")
        for comment in document["comments"]:
            first = comment["body"].splitlines()[0] if comment["body"] else ""
            lines.append(f"  {comment['created'][:19]}  {visible(first[:200])}")
    return "\n".join(lines)


def steps_text(steps: list[dict[str, Any]]) -> str:
    """One row per step; a multi-line detail (a hook's output) continues indented below."""
    rows = []
    for step in steps:
        first, *more = (step["detail"] or "").splitlines() or [""]
        rows.append(f"  {step['name']:<9} {step['state']:<10} {visible(first)}".rstrip())
        rows += [f"{'':<23}{visible(line, keep_tabs=True)}".rstrip() for line in more]
    return "\n".join(rows)


def status_document(key: str, steps: list[StepRecord], outbox: list[OutboxEntry]) -> dict[str, Any]:
    """The `status KEY --json` shape (design: Contracts / CLI)."""
    return {
        "key": key,
        "steps": [s.to_json() for s in steps],
        "outbox": [e.to_json() for e in outbox],
    }


def status_text(document: dict[str, Any], holder: str | None = None) -> str:
    lines = [f"{document['key']}" + (f"  (busy: {holder})" if holder else "")]
    lines.append(steps_text(document["steps"]))
    open_rows = [r for r in document["outbox"] if r["state"] not in ("confirmed",)]
    if open_rows:
        lines.append("  tracker updates:")
        for row in open_rows:
            error = f" - {row['last_error']}" if row["last_error"] else ""
            lines.append(
                f"    {row['state']:<9} {row['kind']:<10} {row['target']}"
                f" (attempts {row['attempts']}){error}"
            )
    return "\n".join(lines)
