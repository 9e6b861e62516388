"""AdapterMartReader: a mart's columns and rows through the dbt worker's adapter, in batches."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from martflow.errors import PublishError
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.mart_reader import AdapterMartReader

from .conftest import MART_COLUMNS, make_mart_project


def test_reads_columns_and_rows_of_the_mart(reader: AdapterMartReader) -> None:
    columns, rows = reader.read("fct_customer_orders")
    data = sorted(rows, key=lambda r: r[0])
    assert columns == MART_COLUMNS
    assert len(data) == 4
    # values travel as JSON: decimals as exact text, dates as ISO text
    assert data[0][:4] == (1, "Ada", 3, "12.50")
    assert Decimal(data[3][3]) == Decimal("1234567.89")
    assert data[0][4:6] == ("2024-01-05", "2024-01-05T10:30:00")
    assert data[2][1:] == (None, 0, None, None, None, None)


def test_rows_arrive_in_batches_and_an_early_stop_frees_the_worker(tmp_path: Path) -> None:
    project = make_mart_project(tmp_path / "own")
    with DbtProcessRunner(project, project) as runner:
        batches = list(runner.stream("stream", model="fct_customer_orders", batch=3))
        assert [len(b) for b in batches] == [3, 1]
        _, rows = AdapterMartReader(runner, batch_rows=1).read("fct_customer_orders")
        next(rows)
        rows.close()  # stops mid-stream: the worker is ended, the next call starts another
        assert runner.pid is None
        _columns, rows = AdapterMartReader(runner).read("fct_customer_orders")
        assert len(list(rows)) == 4


def test_names_are_resolved_by_dbt_never_pasted_into_sql(reader: AdapterMartReader) -> None:
    with pytest.raises(
        PublishError, match=r"'x; drop table analytics.fct_customer_orders' is not a model"
    ):
        reader.read("x; drop table analytics.fct_customer_orders")
    columns, _ = reader.read("fct_customer_orders")
    assert columns


def test_an_unbuilt_mart_is_named(reader: AdapterMartReader) -> None:
    with pytest.raises(
        PublishError, match=r"cannot read mart fct_missing: .*build fct_missing first"
    ):
        reader.read("fct_missing")


def test_a_broken_profile_is_one_clear_line(project: Path, tmp_path: Path) -> None:
    (tmp_path / "profiles.yml").write_text("shop: [\n")
    with DbtProcessRunner(project, tmp_path) as runner, pytest.raises(PublishError) as info:
        AdapterMartReader(runner).read("fct_customer_orders")
    assert "\n" not in str(info.value)
    assert "cannot read mart fct_customer_orders" in str(info.value)
