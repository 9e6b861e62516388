"""What a failed step's dialog says: the cause in full, then the next action and its key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from martflow.core.safe_text import visible
from martflow.services.step_results import FAILING

if TYPE_CHECKING:
    from martflow.core.models import StepRecord
    from martflow.services.tickets import TicketView

MAX_NODES = 5
"""Failing dbt nodes listed with their database message; the Build tab lists every one."""

NEXT = {
    "start": "Fix the cause, then press Enter on start (or n) to try again.",
    "scaffold": "Press e to edit the spec, or fix the cause; then Enter on scaffold.",
    "build": "Fix the model or its test, then press Enter on build (or n); the Build tab "
    "lists every node.",
    "commit": "Fix the cause, then press Enter on commit (or n).",
    "publish": "Fix the cause, then press Enter on publish (or n).",
}


def failure_text(view: TicketView, record: StepRecord) -> str:
    """The step's own detail, the database's messages of failing nodes, the spec's problems,
    and what to press next."""
    lines = [visible(record.detail)]
    if record.name == "build":
        lines += _failing_nodes(record.artifacts.get("nodes"))
    if view.spec is None and view.spec_problems:
        lines += ["", "The spec does not validate:"]
        lines += [f"  • {visible(problem)}" for problem in view.spec_problems]
        lines += ["", "Next: press e to edit the spec."]
        return "\n".join(lines)
    lines += ["", f"Next: {NEXT.get(record.name, 'Fix the cause and run the step again.')}"]
    return "\n".join(lines)


def _failing_nodes(nodes: object) -> list[str]:
    if not isinstance(nodes, list):
        return []
    failing = [n for n in nodes if isinstance(n, dict) and n.get("status") in FAILING]
    lines: list[str] = []
    for node in failing[:MAX_NODES]:
        message = str(node.get("message") or "").strip()
        lines += ["", f"{node.get('name')} ({node.get('status')}):"]
        if message:
            lines += [f"  {visible(line)}" for line in message.splitlines()[:8]]
    if len(failing) > MAX_NODES:
        lines += ["", f"…and {len(failing) - MAX_NODES} more on the Build tab."]
    return lines
