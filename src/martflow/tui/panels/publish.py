"""The publish tab: where the dashboard went (or will go), the commit and branch it was built
from, and a text sketch of the dashboard a publish writes (drawn by a dry run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from martflow.core.models import StepState, TicketSpec
from martflow.errors import MartflowError
from martflow.tui.panels.base import TicketPanel
from martflow.tui.screens.base import host_of

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

NOT_PUBLISHED = "Not published yet: run the publish step (select it and press Enter)."
NOT_BUILT = "The dashboard is sketched once the mart is built (run the build step)."
RUNNING = "A run is in progress; the dashboard is sketched when it ends."
SKETCHING = "Sketching the dashboard…"

Token = tuple[str, object]
"""What a drawn sketch shows: the mart model and when its build finished."""
Draw = Callable[[int, int], str]


class PublishPanel(TicketPanel):
    """The published location, commit and branch; below, the dashboard as text, drawn by a
    publish dry run in a worker when the tab is shown after a build."""

    ID = "publish"
    TITLE = "Publish"
    STEP = "publish"
    DEFAULT_CSS = """
    PublishPanel #publish-body { padding: 1 1; scrollbar-gutter: stable; }
    PublishPanel #publish-sketch-status { margin-top: 1; color: $text-muted; }
    PublishPanel #publish-sketch { width: 100%; text-wrap: nowrap; text-overflow: clip; }
    """

    class Sketched(Message):
        """The dry run drew the dashboard (``draw`` is None when it could not)."""

        def __init__(self, draw: Draw | None, note: str, token: Token) -> None:
            super().__init__()
            self.draw = draw
            self.note = note
            self.token = token

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: TicketView | None = None
        self.token: Token | None = None
        self.draw: Draw | None = None
        self.visible_now = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="publish-body"):
            yield Static("", id="publish-text", markup=False)
            yield Static("", id="publish-sketch-status", markup=False)
            yield Static("", id="publish-sketch", markup=False)

    # -- when to sketch -----------------------------------------------------------------

    def show(self, view: TicketView) -> None:
        self.view = view
        self.query_one("#publish-text", Static).update(publish_text(view))
        if self.visible_now:
            self.request()

    def clear_for_run(self, message: str) -> None:
        self.query_one("#publish-text", Static).update(message)

    def on_show(self, _event: events.Show) -> None:
        self.visible_now = True
        self.request()

    def on_hide(self, _event: events.Hide) -> None:
        self.visible_now = False

    def on_resize(self, _event: events.Resize) -> None:
        self.redraw()

    def request(self) -> None:
        """Sketch the dashboard unless the drawn sketch is current (or cannot be had yet)."""
        view = self.view
        if view is None:
            return
        build = next((r for r in view.steps if r.name == "build"), None)
        if view.spec is None or build is None or build.state is not StepState.SUCCEEDED:
            self.token = None
            self.show_sketch(None, "" if view.spec is None else NOT_BUILT)
            return
        token: Token = (view.spec.mart_model, build.finished)
        if token == self.token:
            return
        if getattr(self.screen, "running", False):
            # A dry run reads the mart; a running step needs the warehouse to itself.
            self.show_sketch(None, RUNNING)
            return
        self.token = token
        self.show_sketch(None, SKETCHING)
        self.sketch(view.spec, view.ticket.key, token)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-sketch")
    def sketch(self, spec: TicketSpec, key: str, token: Token) -> None:
        try:
            result = host_of(self).context.publisher().publish(spec, key, dry_run=True)
        except MartflowError as exc:
            self.post_message(
                self.Sketched(None, f"No sketch of the dashboard: {exc.message}", token)
            )
            return
        note = "The dashboard a publish writes:" if result.sketch_at else result.sketch
        self.post_message(self.Sketched(result.sketch_at, note, token))

    # -- showing ------------------------------------------------------------------------

    def on_publish_panel_sketched(self, message: Sketched) -> None:
        if message.token != self.token:
            return  # an older dry run finished after a newer one started
        if message.draw is None:
            self.token = None
        self.show_sketch(message.draw, message.note)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "dashboard-sketch" and event.state is WorkerState.ERROR:
            self.token = None
            self.show_sketch(None, "No sketch of the dashboard (see the error).")

    def show_sketch(self, draw: Draw | None, note: str) -> None:
        self.draw = draw
        self.query_one("#publish-sketch-status", Static).update(note)
        self.redraw()

    def redraw(self) -> None:
        """Draw the sketch to the tab's width (about 3 columns to a line, like the PNG)."""
        target = self.query_one("#publish-sketch", Static)
        if self.draw is None:
            target.update("")
            return
        width = max(24, target.content_region.width or self.size.width - 2)
        target.update(self.draw(width, max(8, min(24, width * 3 // 10))))


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
