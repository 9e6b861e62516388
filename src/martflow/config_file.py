"""Writing config.toml: every key of the schema, each with its documentation as a comment."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from martflow.config import Config
from martflow.config_schema import Section

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
HEADER = """\
# martflow configuration. Every key is shown; see docs/configuration.md.
# Paths are relative to this file. Never put secrets here: tokens come from the
# environment (JIRA_API_TOKEN, TABLEAU_TOKEN_SECRET, CONFLUENCE_API_TOKEN) or the system
# keyring (service "martflow", user = the variable's name).
"""


def render_config(
    values: Mapping[str, Mapping[str, Any]], notes: Mapping[str, str] | None = None
) -> str:
    """config.toml text with ``values`` (section -> key -> value) over the defaults.

    ``notes`` (``"section.key"`` -> text) add a comment saying where a value came from.
    A value of None leaves the key commented out ("unset").
    """
    config = Config()
    lines = [HEADER]
    for section, field in Config.model_fields.items():
        if section == "keys":
            lines.append(keys_section())
            continue
        model = getattr(config, section)
        lines += _section(section, model, field.description or "", values, notes or {})
    return "\n".join(lines).rstrip("\n") + "\n"


def keys_section() -> str:
    """``[keys]`` with every binding id commented out at its default, as new repos get it."""
    from importlib import resources

    template = resources.files("martflow") / "templates" / "repo" / "{{cookiecutter.repo_dir}}"
    text = (template / "config.toml").read_text(encoding="utf-8")
    return text[text.index("\n[keys]\n") + 1 :]


def _section(
    name: str,
    model: Section,
    doc: str,
    values: Mapping[str, Mapping[str, Any]],
    notes: Mapping[str, str],
) -> list[str]:
    lines = [f"[{name}]"]
    described = doc or (type(model).__doc__ or "").strip().splitlines()[0]
    lines.append(f"# {described}")
    nested: list[str] = []
    given = values.get(name, {})
    for key, field in type(model).model_fields.items():
        default = getattr(model, key)
        if isinstance(default, Section):
            nested += _section(f"{name}.{key}", default, "", values, notes)
            continue
        for line in (field.description or "").split("\n"):
            lines.append(f"# {' '.join(line.split())}")
        if note := notes.get(f"{name}.{key}"):
            lines.append(f"# ({note})")
        value = given.get(key, default)
        if value is None:
            lines.append(f"# {key} = ")
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return [*lines, "", *nested]


def toml_value(value: Any) -> str:
    """A TOML literal for a config value (text, bool, number, list, string table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = [f"{_key(str(k))} = {toml_value(v)}" for k, v in value.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)
