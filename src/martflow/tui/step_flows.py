"""Steps that ask the user something before they run (a preview to confirm, a dialog).

A flow gets the ticket screen and ends by calling ``screen.start_run([step], options)``
(or not, if the user cancels). Steps without a flow run straight away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from martflow.tui.dialogs.commit import commit_flow
from martflow.tui.dialogs.confirm_publish import publish_flow
from martflow.tui.dialogs.scaffold_preview import scaffold_flow

if TYPE_CHECKING:
    from martflow.tui.screens.ticket import TicketScreen

StepFlow = Callable[["TicketScreen"], None]

STEP_FLOWS: dict[str, StepFlow] = {
    "scaffold": scaffold_flow,
    "commit": commit_flow,
    "publish": publish_flow,
}
