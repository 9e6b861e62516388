"""The operation id of a martflow comment, kept in a comment property rather than its text.

The property travels in the same POST as the comment (the body's ``properties`` field),
so no crash can separate them, and the PM never sees it. Comments posted by older
versions carry a ``martflow-op: <id>`` last line instead; those are still recognised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from martflow.integrations.tracker.jira_text import marker_of, text_of

PROPERTY_KEY = "martflow"
"""The comment property holding ``{"op": "<operation id>"}``."""

PropertyReader = Callable[[str], Mapping[str, Any] | None]
"""Reads one comment's ``martflow`` property value by comment id (None when it has none)."""


def comment_request(body: Any, op_id: str) -> dict[str, Any]:
    """The JSON of the POST that adds a comment (ADF or wiki ``body``) with its op id."""
    request: dict[str, Any] = {"body": body}
    if op_id:
        request["properties"] = [{"key": PROPERTY_KEY, "value": {"op": op_id}}]
    return request


def op_of(raw: Mapping[str, Any], read_property: PropertyReader) -> str | None:
    """The operation id a comment carries, if martflow posted it.

    ``raw`` is a comment read with ``expand=properties``; a server that ignored the
    expansion (no ``properties`` key) is asked per comment through ``read_property``.
    """
    properties = raw.get("properties")
    if isinstance(properties, list):
        for prop in properties:
            if isinstance(prop, Mapping) and prop.get("key") == PROPERTY_KEY:
                return _op(prop.get("value"))
    legacy = marker_of(text_of(raw.get("body")))
    if legacy is not None:
        return legacy
    if properties is None and raw.get("id") is not None:
        return _op(read_property(str(raw["id"])))
    return None


def _op(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("op"), str):
        return str(value["op"])
    return None
