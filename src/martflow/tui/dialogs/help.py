"""The help screen: every key of the app and of the screen below, as configured."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from martflow.tui.dialogs.base import MartflowDialog


class HelpScreen(MartflowDialog[None]):
    """Lists the keys (after remapping from `[keys]`) with their binding ids."""

    FRAME_ID = "help-dialog"
    DEFAULT_CSS = """
    HelpScreen #help-hint { color: $text-muted; width: 1fr; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="close_dialog")]

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.below = below
        self.title_text = "Keys"

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def compose_buttons(self) -> ComposeResult:
        yield Static(
            'Remap any key in config.toml, e.g. [keys] run_all = "ctrl+r" '
            "(the id is the last column). Ctrl+P opens the command palette.",
            id="help-hint",
            markup=False,
        )

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Action", "Id")
        for row in key_rows(self.below):
            table.add_row(*(Text(cell) for cell in row))

    # mypy: narrows ModalScreen.action_dismiss to no result
    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, description, binding id) for the screen's and the app's bindings.

    martflow's own (remappable) bindings come first, one row per id with every key bound
    to it; then the widgets' and Textual's keys for actions not listed yet.
    """
    app = screen.app
    bound = [b for _node, b, _on, _tip in screen.active_bindings.values() if b.description]
    own: dict[str, tuple[list[str], str]] = {}
    for binding in bound:
        if binding.id:
            keys, _ = own.setdefault(binding.id, ([], binding.description))
            keys.append(app.get_key_display(binding))
    rows = [(", ".join(keys), text, binding_id) for binding_id, (keys, text) in own.items()]
    listed = {b.action for b in bound if b.id}
    for binding in bound:
        if not binding.id and binding.action not in listed:
            listed.add(binding.action)
            rows.append((app.get_key_display(binding), binding.description, ""))
    return rows
