"""Key remapping from config.toml's `[keys]`: binding id -> key(s)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding

from martflow.errors import ConfigError


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
