"""The .twb: a datasource over the extract, one worksheet per measure, and a dashboard."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from martflow.core.models import TicketSpec
from martflow.integrations.tableau.fields import Field, Sheet, plan_fields, plan_sheets
from martflow.integrations.tableau.live import LiveConnection

TWB_VERSION = "26.1"
"""The workbook format version; its XSD is ``twb_2026.1.0.xsd``."""
TEMPLATE = "workbook.twb.j2"
_TITLE_ZONE = 8000
_MAX_NAME = 100
# XML 1.0 forbids these even when escaped, so untrusted text loses them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Workbook:
    """A rendered workbook and what it holds."""

    xml: str
    title: str
    sheets: tuple[str, ...]


def clean_text(text: str, limit: int = _MAX_NAME) -> str:
    """Untrusted text made storable in XML: no control characters, one line, bounded."""
    text = _XML_INVALID.sub("", text).replace("\r", " ").replace("\n", " ").strip()
    return text[:limit]


def render_workbook(
    spec: TicketSpec,
    columns: list[tuple[str, str]],
    extract_path: str,
    version: str = TWB_VERSION,
    live: LiveConnection | None = None,
) -> Workbook:
    """Render the .twb for a mart with ``columns``, reading the extract at ``extract_path``,
    or with ``live``, querying the mart in the warehouse (no password is ever written).

    ``extract_path`` is relative to the .twb (inside the .twbx). The title comes from
    ``spec.dashboard or spec.mart``; it and the column names are untrusted and
    reach the XML only as autoescaped values.
    """
    fields = plan_fields([(clean_text(n, 1000), t) for n, t in columns], spec)
    sheets = plan_sheets(fields, spec)
    title = clean_text(spec.dashboard or spec.mart) or spec.mart_model
    names = {s.name for s in sheets}
    dashboard_name = title if title not in names else f"{title} (dashboard)"
    seed = spec.mart_model
    ds = "federated." + hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:28]
    context: dict[str, Any] = {
        "version": version,
        "caption": spec.mart_model,
        "ds": ds,
        "leaf": (live.tableau_class if live else "hyper") + "." + ds.split(".", 1)[1],
        "extract_path": extract_path,
        "live": live,
        "relation_name": live.table if live else "Extract",
        "relation_table": _bracketed(live.schema, live.table) if live else "[Extract].[Extract]",
        "fields": fields,
        "sheets": [_sheet_view(s, seed) for s in sheets],
        "dashboard": _dashboard_view(dashboard_name, sheets, seed),
    }
    xml = _environment().from_string(_template_text()).render(context)
    return Workbook(xml=xml, title=dashboard_name, sheets=tuple(s.name for s in sheets))


def _bracketed(*parts: str) -> str:
    """``[schema].[table]``, closing brackets doubled as Tableau escapes them."""
    return ".".join("[" + part.replace("]", "]]") + "]" for part in parts)


def _sheet_view(sheet: Sheet, seed: str) -> dict[str, Any]:
    measure_name, _measure_type = sheet.measure.instance(sheet.aggregation)
    instances = [_instance(sheet.measure, sheet.aggregation)]
    columns: list[Field] = [sheet.measure]
    cols = color = None
    if sheet.date is not None:
        cols = sheet.date.instance("Month-Trunc")[0]
        instances.append(_instance(sheet.date, "Month-Trunc"))
        columns.append(sheet.date)
    if sheet.by is not None:
        by_name = sheet.by.instance("None")[0]
        instances.append(_instance(sheet.by, "None"))
        if sheet.by is not sheet.measure:
            columns.append(sheet.by)
        if cols is None:
            cols = by_name
        else:
            color = by_name
    return {
        "name": sheet.name,
        "columns": columns,
        "instances": instances,
        "rows": measure_name,
        "cols": cols,
        "color": color,
        "mark": sheet.mark,
        "uuid": _uuid(seed, "worksheet", sheet.name),
        "window_uuid": _uuid(seed, "window", sheet.name),
    }


def _instance(field: Field, derivation: str) -> dict[str, str]:
    name, kind = field.instance(derivation)
    return {"column": field.ref, "derivation": derivation, "name": name, "type": kind}


def _dashboard_view(name: str, sheets: list[Sheet], seed: str) -> dict[str, Any]:
    height = (100000 - _TITLE_ZONE) // len(sheets)
    zones = [
        {"id": 3 + i, "name": s.name, "h": height, "y": _TITLE_ZONE + i * height}
        for i, s in enumerate(sheets)
    ]
    return {
        "name": name,
        "width": 1200,
        "height": max(800, 320 * len(sheets)),
        "title_h": _TITLE_ZONE,
        "zones": zones,
        "uuid": _uuid(seed, "dashboard", name),
        "window_uuid": _uuid(seed, "dashboard-window", name),
    }


def _uuid(*parts: str) -> str:
    # Deterministic ids: re-rendering the same mart gives the same bytes.
    value = uuid.uuid5(uuid.NAMESPACE_URL, "martflow:" + "/".join(parts))
    return "{" + str(value).upper() + "}"


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)


def _template_text() -> str:
    return (
        resources.files("martflow")
        .joinpath("templates", "tableau", TEMPLATE)
        .read_text(encoding="utf-8")
    )
