"""Scaffolding at scale: 100 source tables read in one worker request, rendered in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from martflow.core.models import ColumnRef, JoinSpec, Measure, SourceRef, TicketSpec
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.warehouse import DbtWarehouse
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.integrations.conftest import make_dbt_project
from tests.scaffold_tools import TOOLS

TABLES = 100


def wide_spec() -> TicketSpec:
    """A mart over TABLES source tables, each joined to the first."""
    sources = tuple(SourceRef("wide", f"w{i:03d}") for i in range(TABLES))
    joins = tuple(
        JoinSpec(ColumnRef("w000", "id"), ColumnRef(ref.table, "w000_id")) for ref in sources[1:]
    )
    return TicketSpec(
        sources=sources,
        joins=joins,
        mart="wide",
        kind="fact",
        grain=(ColumnRef("w000", "id"),),
        measures=(Measure("row_count", "count", None),),
    )


@pytest.mark.slow
@pytest.mark.xdist_group("dbt_worker")
def test_a_hundred_tables_take_one_adapter_call_and_no_other_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_dbt_project(tmp_path / "shop")
    con = duckdb.connect(str(project / "warehouse.duckdb"))
    for i in range(TABLES):
        con.execute(
            f"create table raw.w{i:03d} as select r as id, r % 3 as w000_id, "
            "'n' || r as name from range(0, 5) t(r)"
        )
    con.close()
    spec = wide_spec()
    with DbtProcessRunner(project, project) as runner:
        requests: list[str] = []
        real_request = runner.request

        def counted(op: str, **kwargs: object) -> dict[str, object]:
            requests.append(op)
            return real_request(op, **kwargs)

        monkeypatch.setattr(runner, "request", counted)
        before = len(runner.commands)
        columns = DbtWarehouse(runner, project, {"wide": "raw"}).columns(spec.sources)
        assert requests == ["source_columns"]  # one request for all the tables
        assert set(runner.commands[before:]) <= {"parse"}  # adapter reads, no dbt command
    assert len(columns) == TABLES

    def no_process(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("rendering started a process")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    plan = ProjectScaffolder(project, **TOOLS).plan(spec, columns, "BENCH-1", "Wide")
    staging = [f.path for f in plan.files if f.path.endswith(".sql") and "/stg_" in f.path]
    assert len(staging) == TABLES
    assert any(f.path.endswith("int_wide__joined.sql") for f in plan.files)
