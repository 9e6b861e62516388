"""A large project (bench/large_project.py's shape, scaled down): what the views need comes from
the dbt worker's one parse, never `dbt ls`; a changed file is re-parsed by dbt's partial
parse, an unchanged project not at all; the preview reads a limited sample of a huge mart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.large_project import LargeProject, generate

from martflow.context import AppContext
from martflow.core.spec import parse_spec
from martflow.integrations.dbt import DbtProcessRunner
from martflow.services.catalog import source_catalog
from martflow.services.mart_preview import SAMPLE_ROWS, mart_preview

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("large_project")]

SOURCES, MODELS = 20, 200


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> LargeProject:
    return generate(tmp_path_factory.mktemp("large") / "project", SOURCES, MODELS)


@pytest.fixture
def context(large: LargeProject) -> Iterator[AppContext]:
    context = AppContext.load(large.root / "config.toml")
    yield context
    context.close()


def test_the_generated_project_has_the_shape_asked_for(large: LargeProject) -> None:
    models = sorted(p.stem for p in (large.root / "models").rglob("*.sql"))
    assert len(models) == large.models == MODELS
    layers = {name.split("_")[0] for name in models}
    assert layers == {"stg", "int", "fct"}
    assert sum(name.startswith("stg_") for name in models) == SOURCES
    yml = "".join(p.read_text() for p in (large.root / "models").rglob("_*__models.yml"))
    assert yml.count("\n  - name: ") == MODELS  # every model has properties with tests
    assert large.tests > MODELS


def test_catalog_and_build_read_the_workers_one_parse(
    large: LargeProject, context: AppContext
) -> None:
    runner = context.dbt()
    assert isinstance(runner, DbtProcessRunner)

    # Every declared source table is offered through its staging model (from the manifest)
    catalog = source_catalog(context)
    assert {t.kind for t in catalog} == {"model"}
    assert sorted(t.table for t in catalog) == sorted(
        p.stem for p in (large.root / "models" / "staging").rglob("*.sql")
    )
    assert len(catalog) == SOURCES
    assert runner.commands == ["parse"]  # one parse, then adapter reads: no `dbt ls`

    report = runner.build([f"+{large.ticket_mart}"], mart=large.ticket_mart)
    assert not report.failures, [(n.name, n.message) for n in report.failures]
    assert report.mart_rows == 7  # customer_id % 7
    assert len({n.name for n in report.nodes if n.resource_type == "model"}) == 4
    assert [t.name for t in source_catalog(context)] == [t.name for t in catalog]
    assert runner.commands == ["parse", "build"]  # the manifest was reused for both


def test_only_changed_files_are_parsed_again(large: LargeProject) -> None:
    model = next((large.root / "models" / "marts").rglob(f"{large.ticket_mart}.sql"))
    with DbtProcessRunner(large.root, large.root) as runner:
        runner.request("ping")
        runner.request("ping")
        assert runner.commands == ["parse"]  # unchanged: the parsed manifest is reused

        model.write_text(model.read_text().replace("count(*)", "count(customer_id)"))
        runner.build([large.ticket_mart], mart=large.ticket_mart)

        assert runner.commands == ["parse", "parse", "build"]
        assert runner.parses[1] == {"kind": "partial", "added": 0, "changed": 1, "deleted": 0}
    with DbtProcessRunner(large.root, large.root) as fresh:
        fresh.request("ping")
        # a new worker starts from dbt's saved parse state and finds nothing to re-parse
        assert fresh.parses == [{"kind": "partial"}]


HUGE_ROWS = 10_000_000
BEYOND = 1_000_000
"""The view fails when a read goes past this row: only a limited read succeeds."""


def test_the_preview_of_a_ten_million_row_mart_reads_a_limited_sample(tmp_path: Path) -> None:
    root = tmp_path / "huge"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: huge\nversion: '1.0'\nprofile: huge\n")
    (root / "profiles.yml").write_text(
        "huge:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: huge.duckdb\n      threads: 1\n"
    )
    (root / "config.toml").write_text('[tracker]\nproject = "HUGE"\n')
    (root / "models" / "fct_huge.sql").write_text(
        "{{ config(materialized='view') }}\n"
        "select i as order_id, 'status ' || (i % 7) as status,\n"
        f"    case when i < {BEYOND} then i % 997 else error('read the whole mart') end as amount\n"
        f"from range({HUGE_ROWS}) as t (i)\n"
    )
    spec = parse_spec(
        "martflow: {sources: [shop.orders], mart: huge, grain: [orders.order_id], "
        'dimensions: [orders.status], measures: [{name: amount, expr: "sum(orders.amount)"}]}'
    )
    context = AppContext.load(root / "config.toml")
    try:
        runner = context.dbt()
        assert isinstance(runner, DbtProcessRunner)
        report = runner.build(["fct_huge"])
        assert not report.failures, [(n.name, n.message) for n in report.failures]

        preview = mart_preview(context, spec, limit=20)
    finally:
        context.close()
    assert preview.sampled == SAMPLE_ROWS
    assert not preview.complete
    assert len(preview.rows) == 20
    assert preview.rows[0][:2] == (0, "status 0")
    assert preview.charts[0].dimension == "status"
