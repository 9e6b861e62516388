"""Plain-text and JSON renderings shared by the commands."""

from __future__ import annotations

from typing import Any

from martflow.core.models import OutboxEntry, StepRecord, Ticket


def tickets_table(tickets: list[Ticket]) -> str:
    if not tickets:
        return "no tickets"
    width = max(len(t.key) for t in tickets)
    status_width = max(len(t.status) for t in tickets)
    return "\n".join(f"{t.key:<{width}}  {t.status:<{status_width}}  {t.summary}" for t in tickets)


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


def show_text(document: dict[str, Any]) -> str:
    lines = [
        f"{document['key']}  [{document['status']}]  {document['summary']}",
        "",
        document["description"].strip() or "(no description)",
        "",
    ]
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
            lines.append(f"  {comment['created'][:19]}  {first}")
    return "\n".join(lines)


def steps_text(steps: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {s['name']:<9} {s['state']:<10} {s['detail'] or ''}".rstrip() for s in steps
    )


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
