"""Key remapping from config.toml's `[keys]`: binding id -> key(s)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding

from martflow.errors import ConfigError

REMAPPABLE_IDS = frozenset(
    {
        "help", "sync", "quit",  # MartflowApp
        "filter", "refresh", "clear_filter",  # TicketListScreen
        "back", "run_next", "run_all", "cancel", "reload", "edit_spec", "lint_fix",
        "preview_mart",  # TicketScreen
        "close_dialog",  # ErrorDialog, HelpScreen, ScaffoldPreviewDialog, CommitDialog
        "close_editor", "save_spec",  # SpecEditorScreen
        "toggle_source", "expand_table", "collapse_table", "add_dimension", "add_grain",
        "add_measure",  # SourceTree
        "cancel_publish",  # ConfirmPublishDialog
        "scaffold_write", "scaffold_overwrite",  # ScaffoldPreviewDialog
        "commit_confirm",  # CommitDialog
    }
)  # fmt: skip
"""Every binding id `[keys]` may remap (docs/tui.md lists them). Written out, not collected
from the classes, so the first frame need not import every screen to check `[keys]`;
tests/tui/test_shell.py keeps it equal to the ids the classes declare."""


def keymap(configured: Mapping[str, object], known: Iterable[str]) -> dict[str, str]:
    """The validated keymap; an unknown binding id or a non-text key is a ConfigError."""
    ids = sorted(set(known))
    result: dict[str, str] = {}
    for binding_id, keys in configured.items():
        if binding_id not in ids:
            from difflib import get_close_matches

            near = get_close_matches(binding_id, ids, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; ids are {', '.join(ids)}"
            raise ConfigError(f"[keys] {binding_id}: no such key binding{hint}")
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f'[keys] {binding_id}: give the key as text, e.g. "ctrl+r"')
        result[binding_id] = keys.strip()
    return result


def binding_ids(*owners: type) -> set[str]:
    """Every binding id declared on these App/Screen/Widget classes."""
    ids: set[str] = set()
    for owner in owners:
        for binding in getattr(owner, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids
