"""The pipeline as a list of steps with live state; the next runnable step is marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from martflow.core.models import STEP_NAMES, StepRecord, StepState
from martflow.core.safe_text import visible

ICONS = {
    StepState.PENDING: "·",
    StepState.RUNNING: "▶",
    StepState.SUCCEEDED: "✔",
    StepState.FAILED: "✘",
    StepState.SKIPPED: "-",
}
DETAIL_WIDTH = 28
"""What is left of StepList's 46 columns (app.tcss) after the border, icon and step name.

Fixed: an auto width is measured once from "pending" and would cut every later detail
to 7 characters. Longer details end in "…"; a failed step's whole detail is in its dialog.
"""


class StepList(DataTable[str | Text]):
    """One row per step: state icon, name, and the step's one-line detail.

    The next runnable step's name is bold, so it stands out even when its detail is
    a failure message rather than "next".
    """

    def __init__(self, **kwargs: object) -> None:
        # mypy: DataTable's keyword arguments, passed through
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.states: dict[str, StepState] = dict.fromkeys(STEP_NAMES, StepState.PENDING)
        self.details: dict[str, str] = dict.fromkeys(STEP_NAMES, "")

    def on_mount(self) -> None:
        self.add_column(" ", key="icon", width=1)
        self.add_column("Step", key="step", width=9)
        self.add_column("Result", key="detail", width=DETAIL_WIDTH)
        for name in STEP_NAMES:
            self.add_row(*self._cells(name), key=name)

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
        self._redraw()
        if self.next_step is not None:
            self.move_cursor(row=STEP_NAMES.index(self.next_step))

    def set_state(self, name: str, state: StepState, detail: str | None = None) -> None:
        """Live update from an engine event."""
        self.states[name] = state
        if detail is not None:
            self.details[name] = detail
        self._redraw()

    def _redraw(self) -> None:
        for name in STEP_NAMES:
            icon, step, detail = self._cells(name)
            self.update_cell(name, "icon", icon)
            self.update_cell(name, "step", step)
            self.update_cell(name, "detail", detail)

    def _cells(self, name: str) -> tuple[str, str | Text, Text]:
        state = self.states[name]
        is_next = name == self.next_step
        detail = self.details[name] or ("next" if is_next else state.value)
        if state is StepState.RUNNING:
            detail = self.details[name] or "running…"
        # Text, not str: details quote tool output and ticket text, never markup.
        cell = Text(visible(detail), no_wrap=True, overflow="ellipsis")
        return ICONS[state], Text(name, style="bold") if is_next else name, cell
