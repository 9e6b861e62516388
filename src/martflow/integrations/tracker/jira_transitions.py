"""Choosing the transition that reaches a status, and filling its screen's required fields.

Jira lists the transitions available now with their screen fields
(``expand=transitions.fields``). Of those leading to the wanted status, martflow takes
one that needs no input, else one whose required fields ``[tracker.transition_fields]``
fills, else it refuses before sending anything, naming the fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from martflow.errors import RemoteRejectedError

FieldValues = Mapping[str, Any]
"""Configured values of one target status: field id or name -> value."""


@dataclass(frozen=True)
class TransitionPlan:
    """The transition to send and the field values that go with it."""

    transition_id: str
    name: str
    fields: dict[str, Any]


class TransitionFieldsError(RemoteRejectedError):
    """Every transition to the status needs input that martflow cannot give."""

    title = "Transition needs fields"


def target_name(transition: Mapping[str, Any]) -> str:
    return str((transition.get("to") or {}).get("name", ""))


def values_for(configured: Mapping[str, FieldValues], status: str) -> FieldValues:
    """The configured field values of ``status`` (status names match case-insensitively)."""
    wanted = status.strip().casefold()
    return next((v for k, v in configured.items() if k.strip().casefold() == wanted), {})


def plan_transition(
    available: Sequence[Mapping[str, Any]],
    key: str,
    status: str,
    values: FieldValues,
    *,
    cloud: bool,
) -> TransitionPlan | None:
    """The transition of ``available`` to take to ``status``; None when none leads there.

    Raises:
        TransitionFieldsError: every such transition has a required field without a value
            in ``values`` (or a value its field does not allow).
    """
    wanted = status.strip().casefold()
    candidates = [t for t in available if target_name(t).strip().casefold() == wanted]
    if not candidates:
        return None
    # A transition that needs no input is preferred, whatever order Jira lists them in.
    ordered = sorted(candidates, key=lambda t: bool(_required(t)))
    problems: list[str] = []
    for transition in ordered:
        missing = [
            _describe(f, m) for f, m in _required(transition).items() if not _given(m, f, values)
        ]
        if missing:
            problems.append(f"'{transition.get('name', '?')}' needs {', '.join(missing)}")
            continue
        fields = _fill(transition, values, cloud=cloud, key=key, status=status)
        transition_id = str(transition.get("id", ""))
        if not transition_id.isdigit():
            raise RemoteRejectedError(f"Jira offered a transition of {key} without a numeric id")
        return TransitionPlan(transition_id, str(transition.get("name", "")), fields)
    raise TransitionFieldsError(
        f"cannot move {key} to '{status}': {'; '.join(problems)} - set "
        f'[tracker.transition_fields] "{status}" = {{ <field> = "<value>" }} in config.toml'
    )


def _required(transition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    fields = transition.get("fields") or {}
    return {
        field_id: meta
        for field_id, meta in fields.items()
        if isinstance(meta, Mapping) and meta.get("required") and not meta.get("hasDefaultValue")
    }


def _given(meta: Mapping[str, Any], field_id: str, values: FieldValues) -> bool:
    return _configured(meta, field_id, values) is not None


def _configured(meta: Mapping[str, Any], field_id: str, values: FieldValues) -> Any:
    """The value configured for this field, by its id, key or display name."""
    names = {field_id.casefold(), str(meta.get("key") or "").casefold()}
    names.add(str(meta.get("name") or "").casefold())
    return next((v for k, v in values.items() if k.strip().casefold() in names - {""}), None)


def _describe(field_id: str, meta: Mapping[str, Any]) -> str:
    name = str(meta.get("name") or field_id)
    allowed = [_label(a) for a in meta.get("allowedValues") or [] if isinstance(a, Mapping)]
    choices = f": one of {', '.join(a for a in allowed[:8] if a)}" if allowed else ""
    return f"{name} ({field_id}{choices})"


def _fill(
    transition: Mapping[str, Any], values: FieldValues, *, cloud: bool, key: str, status: str
) -> dict[str, Any]:
    """REST values for every configured field that is on this transition's screen."""
    filled: dict[str, Any] = {}
    for field_id, meta in (transition.get("fields") or {}).items():
        if not isinstance(meta, Mapping):
            continue
        value = _configured(meta, field_id, values)
        if value is not None:
            filled[field_id] = field_value(meta, value, cloud=cloud, where=f"{key} to '{status}'")
    return filled


def field_value(meta: Mapping[str, Any], value: Any, *, cloud: bool, where: str = "") -> Any:
    """``value`` from config.toml in the shape Jira's REST API wants for this field.

    A table or list of tables is sent as written (the REST shape itself); a name is
    matched against the field's allowed values and sent by id.

    Raises:
        TransitionFieldsError: the name is not one of the allowed values.
    """
    if isinstance(value, Mapping) or (
        isinstance(value, list) and all(isinstance(v, Mapping) for v in value) and value
    ):
        return value
    schema = meta.get("schema") or {}
    kind, items = schema.get("type"), schema.get("items")
    allowed = [a for a in meta.get("allowedValues") or [] if isinstance(a, Mapping)]
    if allowed:
        names = value if isinstance(value, list) else [value]
        chosen = [_allowed(meta, allowed, str(name), where) for name in names]
        return chosen if kind == "array" else chosen[0]
    if kind == "array":
        wrap = {"option": "value", "component": "name", "version": "name"}.get(str(items))
        listed = value if isinstance(value, list) else [value]
        return [{wrap: str(v)} for v in listed] if wrap else [str(v) for v in listed]
    if kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            field = meta.get("name") or meta.get("key") or "the field"
            raise TransitionFieldsError(
                f"cannot move {where}: {field} takes a number, not {value!r}"
            ) from None
    if kind == "user":
        return {"accountId": str(value)} if cloud else {"name": str(value)}
    if kind == "option":
        return {"value": str(value)}
    if kind in ("resolution", "priority", "version", "component", "securitylevel"):
        return {"name": str(value)}
    if kind == "string" and cloud and str(schema.get("custom", "")).endswith(":textarea"):
        # REST v3 takes rich-text fields as ADF.
        text = {"type": "text", "text": str(value)}
        return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [text]}]}
    return value


def _allowed(
    meta: Mapping[str, Any], allowed: list[Mapping[str, Any]], name: str, where: str
) -> dict[str, str]:
    wanted = name.strip().casefold()
    for option in allowed:
        labels = {str(option.get(k, "")).casefold() for k in ("name", "value", "id")}
        if wanted in labels and option.get("id") is not None:
            return {"id": str(option["id"])}
    field = str(meta.get("name") or meta.get("key") or "the field")
    listed = ", ".join(_label(a) for a in allowed[:8])
    raise TransitionFieldsError(
        f"cannot move {where}: '{name}' is not an allowed {field} (Jira offers: {listed})"
    )


def _label(option: Mapping[str, Any]) -> str:
    return str(option.get("name") or option.get("value") or option.get("id") or "")
