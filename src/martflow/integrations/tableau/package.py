"""Builds the extract and workbook of a mart and packages them as a .twbx."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from martflow.core.models import TicketSpec
from martflow.core.naming import is_bare_name
from martflow.errors import PublishError
from martflow.integrations.tableau.dashboard import (
    MAX_FILTER_VALUES,
    DistinctValues,
    filterable,
)
from martflow.integrations.tableau.extract import write_extract
from martflow.integrations.tableau.fields import plan_fields
from martflow.integrations.tableau.live import LiveConnection
from martflow.integrations.tableau.workbook import Workbook, render_workbook


class MartReader(Protocol):
    """Reads a mart's columns and rows (see ``integrations.mart_reader``)."""

    def read(self, model: str) -> tuple[list[tuple[str, str]], Any]: ...

    def columns(self, model: str) -> list[tuple[str, str]]: ...

    def connection(self, model: str) -> dict[str, Any]: ...


def build_live_workbook(
    reader: MartReader, spec: TicketSpec, twb: Path, key: str = ""
) -> LiveConnection:
    """Write a .twb whose datasource queries the mart in the warehouse (no extract, no password).

    Without an extract the values are not read, so the only quick filter is the date range.
    Returns where it connects.
    """
    name = model_name(spec)
    live = LiveConnection.from_target(reader.connection(name))
    workbook = render_workbook(spec, reader.columns(name), "", live=live, key=key)
    write_atomic(twb, workbook.xml.encode("utf-8"))
    return live


def plan_workbook(reader: MartReader, spec: TicketSpec, key: str, live: bool) -> Workbook:
    """The workbook a publish would write, without writing it (a dry run's sketch).

    Like a publish, an extract workbook counts the mart's rows to choose quick filters.
    """
    name = model_name(spec)
    if live:
        return render_workbook(spec, reader.columns(name), "", key=key)
    columns, rows = reader.read(name)
    values = _filter_values(columns, spec)
    for _ in values.through(rows):
        pass
    return render_workbook(spec, columns, extract_member(spec), key=key, distinct=values.counts())


def dry_run_sketch(
    reader: MartReader, spec: TicketSpec, key: str, live: bool, dest: Path
) -> tuple[dict[str, str], str, Callable[[int, int], str] | None]:
    """Draw the dashboard a publish would write: ({"sketch": PNG path}, text sketch, the
    text sketch at any (width, height)).

    A mart that cannot be read yet (not built) gives no sketch, and the text says why.
    """
    from martflow.integrations.tableau.sketch import sketch_text, write_sketch_png

    try:
        workbook = plan_workbook(reader, spec, key, live)
    except PublishError as exc:
        return {}, f"no sketch of the dashboard: {exc.message}", None
    drawn = {"sketch": str(write_sketch_png(workbook, dest))}
    return drawn, sketch_text(workbook), partial(sketch_text, workbook)


def _filter_values(columns: list[tuple[str, str]], spec: TicketSpec) -> DistinctValues:
    """Counts the values of the columns that may get a quick filter."""
    names = [name for name, _ in columns]
    return DistinctValues(names, filterable(plan_fields(columns, spec)), MAX_FILTER_VALUES)


@dataclass(frozen=True)
class Package:
    """The files one publish produced."""

    twbx: Path
    twb: Path
    hyper: Path
    rows: int
    title: str
    sheets: tuple[str, ...]

    def artifacts(self) -> dict[str, str]:
        return {"twbx": str(self.twbx), "twb": str(self.twb), "hyper": str(self.hyper)}


def model_name(spec: TicketSpec) -> str:
    """The mart model, checked to be a plain identifier before it names any file."""
    name = spec.mart_model
    if not is_bare_name(name):
        raise PublishError(f"mart name {spec.mart!r} cannot name a workbook file")
    return name


def extract_member(spec: TicketSpec) -> str:
    """The extract's path inside the .twbx (and relative to the .twb)."""
    return f"Data/Extracts/{model_name(spec)}.hyper"


def build_package(
    reader: MartReader,
    spec: TicketSpec,
    build_dir: Path,
    twbx: Path,
    log_dir: Path,
    key: str = "",
) -> Package:
    """Extract the mart, render the .twb next to it in ``build_dir``, and zip both to ``twbx``.

    ``build_dir`` gets the same layout as the inside of the .twbx, so the loose .twb
    opens too. The rows are counted on their way into the extract: text columns with few
    values get quick filters. ``key`` is the ticket the dashboard's caption names.
    """
    name = model_name(spec)
    columns, rows = reader.read(name)
    hyper = build_dir / extract_member(spec)
    values = _filter_values(columns, spec)
    count = write_extract(columns, values.through(rows), hyper, log_dir)
    workbook = render_workbook(
        spec, columns, extract_member(spec), key=key, distinct=values.counts()
    )
    twb = build_dir / f"{name}.twb"
    write_atomic(twb, workbook.xml.encode("utf-8"))
    package_twbx(twb, hyper, extract_member(spec), twbx)
    return Package(twbx, twb, hyper, count, workbook.title, workbook.sheets)


def package_twbx(twb: Path, hyper: Path, member: str, dest: Path) -> None:
    """Zip the workbook (at the root) and its extract (at ``member``) into ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(twb, twb.name)
            archive.write(hyper, member)
        _fsync(tmp)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync it, then replace ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
