"""The Hyper extract: faithful types, row counts, logs under the state dir, atomic replace."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from martflow.errors import PublishError
from martflow.integrations.mart_reader import AdapterMartReader
from martflow.integrations.tableau.extract import write_extract

from .conftest import read_hyper


def test_every_type_maps_faithfully_and_nulls_survive(
    reader: AdapterMartReader, tmp_path: Path
) -> None:
    columns, rows = reader.read("fct_types")
    dest = tmp_path / "out" / "fct_types.hyper"
    assert write_extract(columns, rows, dest, tmp_path / "state" / "hyper") == 2

    types, data = read_hyper(dest, tmp_path / "logs")
    assert types == [
        ("i8", "SMALL_INT"),
        ("i16", "SMALL_INT"),
        ("i32", "INT"),
        ("i64", "BIG_INT"),
        ("i128", "NUMERIC(38, 0)"),
        ("dec", "NUMERIC(10, 2)"),
        ("wide_dec", "NUMERIC(38, 1)"),
        ("dbl", "DOUBLE"),
        ("d", "DATE"),
        ("ts", "TIMESTAMP"),
        ("tstz", "TIMESTAMP_TZ"),
        ("txt", "TEXT"),
        ("flag", "BOOL"),
        ("bin", "TEXT"),
        ("lst", "TEXT"),
        ("tm", "TEXT"),
    ]
    values, nulls = data
    assert values[:8] == [
        1,
        2,
        3,
        4,
        Decimal(10**38 - 1),
        Decimal("12.34"),
        Decimal("1234567890123456789012.5"),
        1.5,
    ]
    assert values[8].to_date() == dt.date(2024, 2, 29)
    assert values[9].to_datetime() == dt.datetime(2024, 2, 29, 13, 14, 15, 123456)
    assert values[10].to_datetime() == dt.datetime(2024, 2, 29, 11, 14, 15, tzinfo=dt.UTC)
    assert values[11:] == ["hé <ü>", True, "6162", "[1, 2]", "10:11:12"]
    assert nulls == [None] * 16


def test_hyperd_logs_under_the_state_dir_not_the_cwd(
    reader: AdapterMartReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    columns, rows = reader.read("fct_customer_orders")
    log_dir = tmp_path / ".martflow" / "logs" / "hyper"
    write_extract(columns, rows, tmp_path / "x.hyper", log_dir)
    assert list(cwd.iterdir()) == []
    assert any(p.name.startswith("hyperd") for p in log_dir.iterdir())


def test_failed_write_keeps_the_previous_extract(reader: AdapterMartReader, tmp_path: Path) -> None:
    dest = tmp_path / "x.hyper"
    columns, rows = reader.read("fct_customer_orders")
    write_extract(columns, rows, dest, tmp_path / "logs")
    before = dest.read_bytes()

    def broken_rows():  # the mart read fails half way
        yield (1, "a", 1, Decimal("1.00"), None, None, True)
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        write_extract(columns, broken_rows(), dest, tmp_path / "logs")
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in {".hyper", ".tmp"}) == [
        "x.hyper"
    ]


def test_rows_of_the_wrong_shape_are_a_publish_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match=r"cannot write extract x\.hyper"):
        write_extract([("n", "INTEGER")], iter([("not a number",)]), tmp_path / "x.hyper", tmp_path)
    assert not (tmp_path / "x.hyper").exists()
    # HUGEINT holds 39 digits, Hyper's widest numeric 38: refused, not truncated
    with pytest.raises(PublishError, match=r"cannot write extract y\.hyper"):
        write_extract([("n", "HUGEINT")], iter([(2**127 - 1,)]), tmp_path / "y.hyper", tmp_path)
