"""The help screen: every key of the app and of the screen below, as configured."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static


class HelpScreen(ModalScreen[None]):
    """Lists the keys (after remapping from `[keys]`) with their binding ids."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="close_dialog")]

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static(
                'Remap any key in config.toml, e.g. [keys] run_all = "ctrl+r" '
                "(the id is the last column). Ctrl+P opens the command palette.",
                id="help-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Action", "Id")
        for key, description, binding_id in key_rows(self.below):
            table.add_row(key, description, binding_id)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(key, description, binding id) for the screen's and the app's bindings, deduplicated."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for _node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        key = screen.app.get_key_display(binding)
        rows.append((key, binding.description, binding.id or ""))
    return rows
