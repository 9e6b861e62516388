"""The models tab: what the scaffold step wrote (its models and files), or how to get there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from martflow.core.models import StepRecord, StepState
from martflow.core.safe_text import visible
from martflow.services.step_results import record_of
from martflow.tui.panels.base import TextPanel

if TYPE_CHECKING:
    from martflow.services.tickets import TicketView

HINT = "Not scaffolded yet: select the scaffold step and press Enter to preview the models."


class ScaffoldPanel(TextPanel):
    """The models and files the scaffold step recorded."""

    ID = "models"
    TITLE = "Models"
    STEP = "scaffold"

    def text(self, view: TicketView) -> str:
        return visible(scaffold_text(record_of(view.steps, "scaffold")), keep_newlines=True)


def scaffold_text(record: StepRecord | None) -> str:
    """The scaffold step's models and files, or the hint (with why it failed, if it did)."""
    if record is None or record.state is not StepState.SUCCEEDED:
        if record is not None and record.state is StepState.FAILED and record.detail:
            return f"The scaffold step failed: {record.detail}\n\n{HINT}"
        return HINT
    models = _strings(record.artifacts.get("models"))
    files = _strings(record.artifacts.get("files"))
    lines = [record.detail, "", f"Models ({len(models)})"]
    lines += [f"  {model}" for model in models]
    lines += ["", f"Files ({len(files)})"]
    lines += [f"  {path}" for path in files]
    return "\n".join(lines)


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
