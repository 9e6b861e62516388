"""The pipeline as a list of steps with live state; the next runnable step is marked.

The running step shows a spinner, how long it has run and, for dbt, "4 of 9"; a step the
user cancelled shows as cancelled, not failed.
"""

from __future__ import annotations

from time import monotonic

from rich.text import Text
from textual import events
from textual.timer import Timer

from martflow.core.models import STEP_NAMES, StepRecord, StepState
from martflow.core.safe_text import visible
from martflow.core.workflow.engine import CANCELLED
from martflow.tui.widgets.fitted_table import Col, FittedTable

ICONS = {
    StepState.PENDING: "·",
    StepState.RUNNING: "▶",
    StepState.SUCCEEDED: "✔",
    StepState.FAILED: "✘",
    StepState.SKIPPED: "-",
}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
COLUMNS = (Col("icon", " "), Col("step", "Step"), Col("detail", "Result", flex=True, min_width=0))
NARROW = 32
"""Below this many columns the list shows icon and name only (the details are in the tabs,
the log and the dialogs): a detail cut to two letters says nothing."""


def cancelled(state: StepState, detail: str) -> bool:
    """A failed step whose failure was the user's cancel."""
    return state is StepState.FAILED and detail == CANCELLED


class StepList(FittedTable):
    """One row per step: state icon, name, and the step's one-line detail.

    The next runnable step's name is bold, so it stands out even when its detail is
    a failure message rather than "next".
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(zebra_stripes=False, **kwargs)
        self.states: dict[str, StepState] = dict.fromkeys(STEP_NAMES, StepState.PENDING)
        self.details: dict[str, str] = dict.fromkeys(STEP_NAMES, "")
        self.warned: set[str] = set()
        """Steps that succeeded with a part that did not (a commit whose push failed)."""
        self.live: str | None = None
        """The step this screen's run is running (spinner and clock)."""
        self.started = 0.0
        self.counter: tuple[int, int] | None = None
        self.frame = 0
        self.ticker: Timer | None = None

    def on_mount(self) -> None:
        self._redraw_steps()

    @property
    def next_step(self) -> str | None:
        """The first step that has not succeeded."""
        return next((n for n in STEP_NAMES if self.states[n] is not StepState.SUCCEEDED), None)

    @property
    def selected_step(self) -> str:
        """The step under the cursor."""
        return STEP_NAMES[min(self.cursor_row, len(STEP_NAMES) - 1)]

    def show_records(self, records: list[StepRecord] | tuple[StepRecord, ...]) -> None:
        """Show what the ledger says; the cursor moves to the next runnable step."""
        for record in records:
            self.states[record.name] = record.state
            self.details[record.name] = record.detail
            if record.state is StepState.SUCCEEDED and record.artifacts.get("push_error"):
                self.warned.add(record.name)
            else:
                self.warned.discard(record.name)
        self._redraw_steps()
        if self.next_step is not None:
            self.move_cursor(row=STEP_NAMES.index(self.next_step))

    def start(self, name: str) -> None:
        """``name`` started in this screen's run: spin and count the seconds."""
        self.live, self.started, self.counter = name, monotonic(), None
        self.states[name], self.details[name] = StepState.RUNNING, ""
        if self.ticker is None:
            self.ticker = self.set_interval(0.5, self._tick)
        self._redraw_steps()

    def count(self, name: str, done: int, total: int) -> None:
        """dbt said "``done`` of ``total``" for the running step."""
        if name == self.live:
            self.counter = (done, total)
            self._redraw_steps()

    def set_state(self, name: str, state: StepState, detail: str | None = None) -> None:
        """Live update from an engine event."""
        self.states[name] = state
        if detail is not None:
            self.details[name] = detail
        if name == self.live and state is not StepState.RUNNING:
            self.live = None
            if self.ticker is not None:
                self.ticker.stop()
                self.ticker = None
        self._redraw_steps()

    def _tick(self) -> None:
        self.frame += 1
        self._redraw_steps()

    def _redraw_steps(self) -> None:
        wide = self.size.width == 0 or self.size.width >= NARROW
        shown = len(COLUMNS) if wide else 2
        rows = [(name, self._cells(name)[:shown]) for name in STEP_NAMES]
        self.fill(COLUMNS[:shown], rows)

    def on_resize(self, _event: events.Resize) -> None:
        self._redraw_steps()

    def _cells(self, name: str) -> tuple[Text, Text, Text]:
        state, detail = self.states[name], self.details[name]
        is_next = name == self.next_step
        icon = ICONS[state]
        if name == self.live:
            icon = SPINNER[self.frame % len(SPINNER)]
            done = f"{self.counter[0]} of {self.counter[1]} · " if self.counter else ""
            detail = f"{done}{int(monotonic() - self.started)}s"
        elif state is StepState.RUNNING:
            detail = detail or "running…"
        elif cancelled(state, detail):
            icon, detail = "⊘", "cancelled"
        elif name in self.warned:
            icon = "⚠"  # committed, not pushed: its own state, not a failed commit
        else:
            detail = detail or ("next" if is_next else state.value)
        # Text, not str: details quote tool output and ticket text, never markup.
        style = "bold" if is_next else ""
        return Text(icon), Text(name, style=style), Text(visible(detail))
