"""Render a cookiecutter template into memory: a temp folder, read back, then removed.

The template engine is a ``core.ports.TemplateRenderer`` (cookiecutter, behind the port).
"""

from __future__ import annotations

import json
import re
import tempfile
from importlib import resources
from pathlib import Path

from martflow.core.ports import TemplateRenderer
from martflow.errors import ConfigError, ScaffoldError
from martflow.project_scaffold.contexts import Rendering

TEMPLATE_NAMES = ("staging", "intermediate", "mart")

MAX_LINE_LENGTH = 100  # the line length of martflow's .sqlfluff
_PLACEHOLDER = re.compile(r"__MARTFLOW_(?:COLUMN|EXPR|SALT)_\d+__")
# A placeholder the template changed (a filter, a slice) is never filled: refuse the file.
_LEFTOVER = re.compile(r"__martflow|martflow_column", re.IGNORECASE)


def builtin_templates() -> Path:
    """martflow's own templates folder."""
    return Path(str(resources.files("martflow") / "templates"))


def template_dir(name: str, override: Path | None) -> Path:
    """The project's ``<override>/<name>`` if it exists, else martflow's."""
    if override is not None and (override / name / "cookiecutter.json").is_file():
        return override / name
    return builtin_templates() / name


def check_templates_dir(override: Path, setting: str = "[scaffold] templates_dir") -> list[str]:
    """The templates ``override`` replaces; ConfigError when it cannot replace any.

    Each of ``staging/``, ``intermediate/`` and ``mart/`` is optional, but one that is
    there must be a cookiecutter template (its ``cookiecutter.json`` beside the tree).
    """
    if not override.is_dir():
        what = "is not a folder" if override.exists() else "does not exist"
        raise ConfigError(f"{setting}: {override} {what}")
    present = [name for name in TEMPLATE_NAMES if (override / name).is_dir()]
    if not present:
        raise ConfigError(
            f"{setting}: {override} has none of {', '.join(n + '/' for n in TEMPLATE_NAMES)} "
            "(see docs/templates.md)"
        )
    for name in present:
        if not (override / name / "cookiecutter.json").is_file():
            raise ConfigError(f"{setting}: {override / name} has no cookiecutter.json")
    return present


def render(rendering: Rendering, templates: Path, renderer: TemplateRenderer) -> dict[str, str]:
    """Render one template; return {path relative to the models folder: text}.

    The rendered tree's top folder is the context's ``layer`` (staging, intermediate,
    marts), so the template decides the file names and the scaffolder checks each path.
    """
    values = {**_private_settings(templates), **rendering.context}
    with tempfile.TemporaryDirectory(prefix="martflow-render-") as tmp:
        renderer.render_folder(templates, values, Path(tmp))
        out = Path(tmp)
        files: dict[str, str] = {}
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            rel = path.relative_to(out).as_posix()
            text = _fill(path.read_text(encoding="utf-8"), rendering)
            if _LEFTOVER.search(text):
                raise ScaffoldError(
                    f"template {templates}: {rel} changed a column reference instead of "
                    "printing it as given (use {{ col.source }} without filters)"
                )
            files[rel] = text
    return files


def _fill(text: str, rendering: Rendering) -> str:
    """Put the quoted column references where the template wrote their placeholders.

    A warehouse name can be longer than any line limit, or need quotes sqlfluff thinks
    needless: such a line gets a ``-- noqa`` naming just those rules.
    """
    lines = []
    for line in text.split("\n"):
        found = _PLACEHOLDER.findall(line)
        filled = _PLACEHOLDER.sub(
            lambda m: rendering.replacements.get(m.group(0), m.group(0)), line
        )
        codes = sorted({rendering.noqa[p] for p in found if p in rendering.noqa})
        # A governed expression spans lines: each is measured.
        if found and max(len(part) for part in filled.split("\n")) > MAX_LINE_LENGTH:
            codes.append("LT05")
        if codes:
            filled += "  -- noqa: " + ", ".join(codes)
        lines.append(filled)
    return "\n".join(lines)


def _private_settings(templates: Path) -> dict[str, object]:
    """The template's own ``_`` settings (extensions, copy-without-render), not its defaults."""
    try:
        data = json.loads((templates / "cookiecutter.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScaffoldError(f"template {templates} has no readable cookiecutter.json") from exc
    if not isinstance(data, dict):
        raise ScaffoldError(f"template {templates}: cookiecutter.json is not an object")
    return {k: v for k, v in data.items() if k.startswith("_")}
