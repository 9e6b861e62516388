"""A child process that runs the engine and SIGKILLs itself at a chosen point.

Usage: python kill_child.py DIR [KILL_AT]; KILL_AT is one of
``in-step:NAME``, ``after-finish:NAME``, ``before-post:N``, ``after-post:N``,
``after-transition:N`` (N counts calls in this process, from 1).
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from collections import Counter
from pathlib import Path

from martflow.core.document import Document, document, paragraph
from martflow.core.models import STEP_NAMES, StepOutcome
from martflow.core.retry import RetryPolicy
from martflow.core.workflow.engine import Engine, StepContext
from martflow.core.workflow.ledger import Ledger
from martflow.integrations.tracker.local import LocalTracker

MARKER = "martflow-op: "
KILL_AT = sys.argv[2] if len(sys.argv) > 2 else ""
counts: Counter[str] = Counter()


def maybe_die(point: str) -> None:
    counts[point] += 1
    if KILL_AT in (point, f"{point}:{counts[point]}"):
        os.kill(os.getpid(), signal.SIGKILL)


class JiraLikeTracker:
    """LocalTracker behind Jira's semantics: every POST creates a comment; the op id is a footer."""

    def __init__(self, inner: LocalTracker) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def transition(self, key: str, status: str):
        result = self.inner.transition(key, status)
        maybe_die("after-transition")
        return result

    def add_comment(self, key: str, body: Document, op_id: str) -> str:
        maybe_die("before-post")
        footer = document(paragraph(f"{MARKER}{op_id}"))
        comment_id = self.inner.add_comment(key, body + footer, uuid.uuid4().hex)
        maybe_die("after-post")
        return comment_id

    def find_comment(self, key: str, op_id: str) -> str | None:
        for comment in self.inner.get_ticket(key).comments:
            if comment.body.endswith(f"{MARKER}{op_id}"):
                return comment.id
        return None


class KillingLedger(Ledger):
    def finish_step(self, key, name, *args, **kwargs):
        result = super().finish_step(key, name, *args, **kwargs)
        maybe_die(f"after-finish:{name}")
        return result


def step(name: str):
    def run(_context: StepContext) -> StepOutcome:
        maybe_die(f"in-step:{name}")
        return StepOutcome(ok=True, detail=name, comment=document(paragraph(f"{name} done")))

    return run


def main() -> None:
    folder = Path(sys.argv[1])
    tracker = LocalTracker(folder / "tracker.db")
    if not tracker.list_tickets():
        tracker.create_ticket("Customer lifetime value")
    engine = Engine(
        KillingLedger(folder / "state.db"),
        JiraLikeTracker(tracker),  # type: ignore[arg-type]
        {name: step(name) for name in STEP_NAMES},
        {"start": "In Progress", "commit": "In Review", "publish": "Done"}.get,
        policy=RetryPolicy(sleep=lambda _s: None),
    )
    report = engine.run("DEMO-1")
    sys.exit(1 if report.failed or report.queued else 0)


if __name__ == "__main__":
    main()
