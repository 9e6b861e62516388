"""The .twb: a datasource over the extract, KPI and chart worksheets, and a dashboard."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from martflow.core.models import TicketSpec
from martflow.integrations.tableau.dashboard import (
    Layout,
    QuickFilter,
    plan_filters,
    plan_layout,
)
from martflow.integrations.tableau.fields import (
    Field,
    Sheet,
    plan_fields,
    plan_kpis,
    plan_sheets,
)
from martflow.integrations.tableau.live import LiveConnection

TWB_VERSION = "26.1"
"""The workbook format version; its XSD is ``twb_2026.1.0.xsd``."""
TEMPLATE = "workbook.twb.j2"
_MAX_NAME = 100
# XML 1.0 forbids these even when escaped, so untrusted text loses them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Workbook:
    """A rendered workbook and what it holds."""

    xml: str
    title: str
    sheets: tuple[str, ...]
    layout: Layout | None = None
    caption: str = ""


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
    *,
    key: str = "",
    distinct: Mapping[str, int] | None = None,
) -> Workbook:
    """Render the .twb for a mart with ``columns``, reading the extract at ``extract_path``,
    or with ``live``, querying the mart in the warehouse (no password is ever written).

    ``extract_path`` is relative to the .twb (inside the .twbx). The title comes from
    ``spec.dashboard or spec.mart``; the caption names the ticket ``key``; ``distinct``
    counts values of text columns (``DistinctValues``) to choose quick filters. Title,
    key and column names are untrusted and reach the XML only as autoescaped values.
    """
    fields = plan_fields([(clean_text(n, 1000), t) for n, t in columns], spec)
    charts = plan_sheets(fields, spec)
    kpis = plan_kpis(charts) if spec.measures else []
    title = clean_text(spec.dashboard or spec.mart) or spec.mart_model
    names = {s.name for s in (*kpis, *charts)}
    dashboard_name = title if title not in names else f"{title} (dashboard)"
    seed = spec.mart_model
    ds = "federated." + hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:28]
    grain = [c.column.lower() for c in spec.grain]
    filters = plan_filters(fields, grain, distinct)
    layout = plan_layout(kpis, charts, filters, ds)
    caption = " · ".join(p for p in (clean_text(key), title, spec.mart_model) if p)
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
        "sheets": [_sheet_view(s, seed, ds, filters) for s in layout.sheets],
        "dashboard": _dashboard_view(dashboard_name, layout, seed, caption, len(charts)),
    }
    xml = _environment().from_string(_template_text()).render(context)
    return Workbook(
        xml=xml,
        title=dashboard_name,
        sheets=tuple(s.name for s in layout.sheets),
        layout=layout,
        caption=caption,
    )


def _bracketed(*parts: str) -> str:
    """``[schema].[table]``, closing brackets doubled as Tableau escapes them."""
    return ".".join("[" + part.replace("]", "]]") + "]" for part in parts)


def _sheet_view(sheet: Sheet, seed: str, ds: str, filters: Sequence[QuickFilter]) -> dict[str, Any]:
    measure_name, _measure_type = sheet.measure.instance(sheet.aggregation)
    instances = [_instance(sheet.measure, sheet.aggregation)]
    columns: list[Field] = [sheet.measure]
    shelf: list[str] = []
    labels: list[Field] = []
    color = text = None
    if sheet.kpi:
        text = measure_name
    elif sheet.date is not None:
        shelf.append(sheet.date.instance("Month-Trunc")[0])
        instances.append(_instance(sheet.date, "Month-Trunc"))
        columns.append(sheet.date)
        if sheet.by is not None and not sheet.key:  # a line per grain value it identifies
            labels = [sheet.by]
            color = sheet.by.instance("None")[0]
    elif sheet.by is not None:
        # Bars at the mart's grain: the dimension, then the key that tells equal labels apart.
        labels = [sheet.by, *sheet.key]
        shelf += [field.instance("None")[0] for field in labels]
    for field in labels:
        instances.append(_instance(field, "None"))
        if field not in columns:
            columns.append(field)
    for quick in filters:
        instances.append(_instance(quick.field, quick.derivation))
        if quick.field not in columns:
            columns.append(quick.field)
    return {
        "name": sheet.name,
        "columns": columns,
        "instances": list({i["name"]: i for i in instances}.values()),
        "rows": f"[{ds}].{measure_name}" if not sheet.kpi else "",
        "cols": _shelf([f"[{ds}].{name}" for name in shelf]),
        "color": color,
        "text": text,
        "mark": sheet.mark,
        "filters": [
            {
                "kind": q.kind,
                "column": f"[{ds}].{q.field.instance(q.derivation)[0]}",
                "level": q.field.instance(q.derivation)[0],
                "group": q.group,
            }
            for q in filters
        ],
        "uuid": _uuid(seed, "worksheet", sheet.name),
        "window_uuid": _uuid(seed, "window", sheet.name),
    }


def _shelf(names: list[str]) -> str:
    """A rows/cols shelf: one field, or fields nested left to right (``(a / b)``)."""
    return names[0] if len(names) == 1 else ("(" + " / ".join(names) + ")" if names else "")


def _instance(field: Field, derivation: str) -> dict[str, str]:
    name, kind = field.instance(derivation)
    attribute = "None" if derivation == "Range" else derivation
    return {"column": field.ref, "derivation": attribute, "name": name, "type": kind}


def _dashboard_view(
    name: str, layout: Layout, seed: str, caption: str, charts: int
) -> dict[str, Any]:
    return {
        "name": name,
        "caption": caption,
        "width": 1200,
        "height": max(800, 200 + 320 * charts),
        "zones": layout.zones,
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
