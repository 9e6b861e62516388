"""Key remapping from config.toml's `[keys]`: binding id -> key(s).

A bad entry never costs the others: an unknown id, a key that is not text, or a key that
another binding of the same screen already uses is refused and named, and every other
remap still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches

from textual.binding import Binding

DEFAULT_KEYS: dict[str, dict[str, str]] = {
    "app": {"help": "question_mark", "sync": "s", "quit": "q"},
    "the ticket list": {"filter": "slash", "refresh": "r", "clear_filter": "escape"},
    "the ticket screen": {
        "back": "escape", "run_next": "n", "run_all": "a", "cancel": "x", "reload": "r",
        "edit_spec": "e", "lint_fix": "f", "preview_mart": "p",
    },
    "the spec editor": {
        "save_spec": "ctrl+s", "close_editor": "escape", "toggle_source": "space,enter",
        "add_grain": "g", "add_dimension": "d", "add_measure": "m",
        "expand_table": "right", "collapse_table": "left",
    },
    "the error dialog": {"close_dialog": "escape,enter"},
    "the keys dialog": {"close_dialog": "escape,q,question_mark"},
    "the scaffold preview": {
        "close_dialog": "escape", "scaffold_write": "w", "scaffold_overwrite": "o",
    },
    "the commit dialog": {"close_dialog": "escape", "commit_confirm": "ctrl+s"},
    "the publish dialog": {"cancel_publish": "escape", "publish_confirm": "ctrl+s"},
    "a confirmation": {"confirm_yes": "y", "confirm_no": "escape,n"},
}  # fmt: skip
"""Every remappable binding id by where it applies, with its default keys. Written out, not
collected from the classes, so checking `[keys]` imports no other screen;
tests/tui/test_keys_and_order.py keeps it equal to what the classes declare."""

ALIASES = {"?": "question_mark", "/": "slash", " ": "space"}


@dataclass
class Keymap:
    """The remaps that apply, and one line for each entry that was refused."""

    keys: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def remappable_ids() -> set[str]:
    """Every binding id `[keys]` may remap (docs/tui.md lists them)."""
    return {binding_id for scope in DEFAULT_KEYS.values() for binding_id in scope}


def keymap(configured: Mapping[str, object]) -> Keymap:
    """Check each `[keys]` entry on its own; refused ones are named in ``problems``."""
    ids = sorted(remappable_ids())
    result = Keymap()
    for binding_id, keys in configured.items():
        if binding_id not in ids:
            near = get_close_matches(binding_id, ids, n=1)
            hint = f"did you mean '{near[0]}'?" if near else f"ids are {', '.join(ids)}"
            result.problems.append(f"[keys] {binding_id}: no such key binding; {hint}")
        elif not isinstance(keys, str) or not keys.strip():
            result.problems.append(f'[keys] {binding_id}: give the key as text, e.g. "ctrl+r"')
        else:
            result.keys[binding_id] = keys.strip()
    for binding_id in list(result.keys):
        clash = conflict(binding_id, result.keys)
        if clash:
            result.problems.append(clash)
            del result.keys[binding_id]
    return result


def _split(keys: str) -> set[str]:
    return {ALIASES.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip()}


def conflict(binding_id: str, remaps: Mapping[str, str]) -> str | None:
    """Why remapping ``binding_id`` would take a key another binding already uses, or None.

    Two bindings clash when they share a key where both apply: the same screen or dialog,
    or anywhere for the app's own keys.
    """
    wanted = _split(remaps[binding_id])
    mine = [scope for scope, ids in DEFAULT_KEYS.items() if binding_id in ids]
    for scope, ids in DEFAULT_KEYS.items():
        if not (scope in mine or scope == "app" or "app" in mine):
            continue
        for other, default in ids.items():
            if other == binding_id:
                continue
            taken = wanted & _split(remaps.get(other, default))
            if taken:
                where = "everywhere" if "app" in (scope, *mine) else f"on {scope}"
                return (
                    f"[keys] {binding_id} = {remaps[binding_id]!r}: {sorted(taken)[0]} is "
                    f"already {other} {where}; pick another key (that remap is not applied)"
                )
    return None


def binding_ids(*owners: type) -> set[str]:
    """Every binding id declared on these App/Screen/Widget classes."""
    ids: set[str] = set()
    for owner in owners:
        for binding in getattr(owner, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def bindings_by_id(owner: type) -> dict[str, str]:
    """``{id: keys}`` of one class's bindings (for the test that keeps DEFAULT_KEYS true)."""
    return {b.id: b.key for b in getattr(owner, "BINDINGS", []) if isinstance(b, Binding) and b.id}


REMAPPABLE_IDS = frozenset(remappable_ids())
"""Every binding id `[keys]` may remap: DEFAULT_KEYS' ids (the first frame imports no
other screen to check `[keys]`; tests/tui/test_shell.py keeps it equal to the classes')."""
