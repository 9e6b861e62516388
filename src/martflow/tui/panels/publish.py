"""The publish tab: where the dashboard went, and the commit and branch it was built from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from martflow.core.models import StepState
from martflow.tui.panels.base import TextPanel

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

NOT_PUBLISHED = "Not published yet: run the publish step (select it and press Enter)."


class PublishPanel(TextPanel):
    """The published location (a URL or a .twbx path) and the commit sha and branch."""

    ID = "publish"
    TITLE = "Publish"
    STEP = "publish"

    def text(self, view: TicketView) -> str:
        return publish_text(view)


def publish_text(view: TicketView) -> str:
    """Lines of ``label  value``: the location, the commit, the branch."""
    done = {s.name: s.artifacts for s in view.steps if s.state is StepState.SUCCEEDED}
    location = done.get("publish", {}).get("location")
    lines = [f"Published   {location}" if location else NOT_PUBLISHED, ""]
    commit = done.get("commit", {})
    sha = commit.get("sha")
    if sha:
        pushed = "pushed" if commit.get("pushed") else "not pushed"
        if commit.get("push_error"):
            pushed = f"not pushed: {commit.get('push_error')}; run commit again to push"
        lines.append(f"Commit      {str(sha)[:10]} ({pushed})")
    else:
        lines.append("Commit      not committed yet")
    branch = done.get("start", {}).get("branch")
    lines.append(f"Branch      {branch}" if branch else "Branch      not started yet")
    return "\n".join(lines)
