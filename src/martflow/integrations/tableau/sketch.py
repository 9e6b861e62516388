"""A sketch of a workbook's dashboard, for a reviewer without Tableau: PNG and text.

Both draw the dashboard's zones (title, caption, KPI tiles, charts, filter cards) where the
workbook puts them, each labelled with what it shows; a filter card reads ``field [v]`` (a
list to pick from) or ``field [..]`` (a range).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from martflow.integrations.tableau.dashboard import Zone
from martflow.integrations.tableau.fields import Sheet
from martflow.integrations.tableau.workbook import Workbook

_FULL = 100_000
_COLOURS = {"title": "#e8eef7", "text": "#f4f4f4", "kpi": "#fff2cc", "chart": "#dae8fc"}
_FILTER_COLOUR = "#e1f3d8"


def describe(zone: Zone, workbook: Workbook) -> str:
    """What a zone shows, in a few words."""
    if zone.kind == "title":
        return workbook.title
    if zone.kind == "text":
        return workbook.caption
    if zone.kind == "filter":
        filters = workbook.layout.filters if workbook.layout else ()
        quick = next(
            (q for q in filters if zone.param.endswith(q.field.instance(q.derivation)[0])), None
        )
        field = quick.field.name if quick else zone.param
        return f"{field} {'[..]' if zone.mode == 'slider' else '[v]'}"
    sheet = _sheet(workbook, zone.name)
    if sheet is None:
        return zone.name
    return _describe_sheet(sheet)


def _describe_sheet(sheet: Sheet) -> str:
    measure = sheet.measure.name if sheet.aggregation == "Sum" else f"count of {sheet.measure.name}"
    if sheet.kpi:
        return f"total {measure}"
    if sheet.date is not None:
        return f"line: {measure} by month of {sheet.date.name}"
    labels = " / ".join(f.name for f in (sheet.by, *sheet.key) if f is not None)
    return f"bars: {measure} by {labels}" if labels else f"bar: {measure}"


def _sheet(workbook: Workbook, name: str) -> Sheet | None:
    sheets = workbook.layout.sheets if workbook.layout else ()
    return next((s for s in sheets if s.name == name), None)


def _zones(workbook: Workbook) -> Iterator[Zone]:
    yield from workbook.layout.zones if workbook.layout else ()


def sketch_text(workbook: Workbook, width: int = 80, height: int = 24) -> str:
    """The dashboard in ``width`` x ``height`` characters: the title and caption as lines,
    then the other zones as labelled boxes, scaled to the rest."""
    zones = list(_zones(workbook))
    heading = [describe(z, workbook)[:width] for z in zones if z.kind in {"title", "text"}]
    boxes = [z for z in zones if z.kind not in {"title", "text"}]
    rows = height - len(heading)
    canvas = [[" "] * width for _ in range(rows)]
    start = min((z.y for z in boxes), default=0)
    span = max(1, _FULL - start)

    def column(x: int) -> int:
        return x * (width - 1) // _FULL

    def row(y: int) -> int:
        return (y - start) * (rows - 1) // span

    for zone in boxes:
        left, right = column(zone.x), column(zone.x + zone.w)
        top, bottom = row(zone.y), row(zone.y + zone.h)
        if right - left < 2 or bottom - top < 1:
            continue
        for x in range(left, right + 1):
            for y in (top, bottom):
                canvas[y][x] = "+" if x in (left, right) else "-"
        for y in range(top + 1, bottom):
            canvas[y][left] = canvas[y][right] = "|"
        if bottom - top >= 2:
            label = describe(zone, workbook)[: right - left - 2]
            canvas[top + 1][left + 1 : left + 1 + len(label)] = list(label)
    return "\n".join([*heading, *("".join(line).rstrip() for line in canvas)])


def write_sketch_png(workbook: Workbook, dest: Path) -> Path:
    """Draw the dashboard's zones to a PNG at ``dest`` (written atomically)."""
    # matplotlib is heavy to import: only a publish dry run draws.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    figure, axes = plt.subplots(figsize=(12, 8))
    try:
        axes.set_xlim(0, _FULL)
        axes.set_ylim(_FULL, 0)  # Tableau's y grows downwards
        axes.set_axis_off()
        for zone in _zones(workbook):
            sheet = _sheet(workbook, zone.name) if zone.kind == "sheet" else None
            kind = ("kpi" if sheet.kpi else "chart") if sheet is not None else zone.kind
            colour = _COLOURS.get(kind, _FILTER_COLOUR)
            box = (zone.x + 300, zone.y + 300)
            axes.add_patch(
                Rectangle(box, zone.w - 600, zone.h - 600, facecolor=colour, edgecolor="#555")
            )
            axes.text(
                zone.x + zone.w / 2,
                zone.y + zone.h / 2,
                describe(zone, workbook),
                ha="center",
                va="center",
                wrap=True,
                fontsize=14 if kind == "title" else 9,
                fontweight="bold" if kind in {"title", "kpi"} else "normal",
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        try:
            figure.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
            tmp.replace(dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        plt.close(figure)
    return dest
