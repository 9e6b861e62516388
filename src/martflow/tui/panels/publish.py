"""The publish tab: where the dashboard went, and the commit and branch it was built from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from martflow.core.models import StepState
from martflow.tui.panels.base import TicketPanel

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

NOT_PUBLISHED = "Not published yet: run the publish step (select it and press Enter)."


class PublishPanel(TicketPanel):
    """The published location (a URL or a .twbx path) and the commit sha and branch."""

    TITLE = "Publish"
    STEP = "publish"
    DEFAULT_CSS = """
    PublishPanel #publish-result { padding: 1 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(NOT_PUBLISHED, id="publish-result", markup=False)

    def show(self, view: TicketView) -> None:
        self.query_one("#publish-result", Static).update(publish_text(view))


def publish_text(view: TicketView) -> str:
    """Lines of ``label  value``: the location, the commit, the branch."""
    done = {s.name: s.artifacts for s in view.steps if s.state is StepState.SUCCEEDED}
    location = done.get("publish", {}).get("location")
    lines = [f"Published   {location}" if location else NOT_PUBLISHED, ""]
    commit = done.get("commit", {})
    sha = commit.get("sha")
    if sha:
        pushed = "pushed" if commit.get("pushed") else "not pushed"
        lines.append(f"Commit      {str(sha)[:10]} ({pushed})")
    else:
        lines.append("Commit      not committed yet")
    branch = done.get("start", {}).get("branch")
    lines.append(f"Branch      {branch}" if branch else "Branch      not started yet")
    return "\n".join(lines)
