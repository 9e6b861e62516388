"""The outbox bar: how many tracker updates are queued, always on screen."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class OutboxBar(Static):
    """ "All tracker updates delivered" or "3 updates queued - press s to sync"."""

    queued: reactive[int] = reactive(0)
    unreachable: reactive[str] = reactive("")
    syncing: reactive[bool] = reactive(False)

    def render(self) -> str:
        if self.syncing:
            return "Syncing tracker updates…"
        if not self.queued:
            return "Tracker up to date"
        plural = "update" if self.queued == 1 else "updates"
        why = f" ({self.unreachable})" if self.unreachable else ""
        return f"{self.queued} tracker {plural} queued{why} - press s to sync"

    def watch_queued(self, queued: int) -> None:
        self.set_class(queued > 0, "-queued")
