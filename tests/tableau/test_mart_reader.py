"""DuckDBMartReader: the warehouse file from the dbt profile, opened read-only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from martflow.errors import PublishError
from martflow.integrations.mart_reader import DuckDBMartReader

from .conftest import MART_COLUMNS, write_project


def test_reads_columns_and_rows_of_the_mart(reader: DuckDBMartReader) -> None:
    columns, rows = reader.read("fct_customer_orders")
    data = sorted(rows, key=lambda r: r[0])
    assert columns == MART_COLUMNS
    assert len(data) == 4
    assert data[0][:4] == (1, "Ada", 3, Decimal("12.50"))
    assert data[2][1:] == (None, 0, None, None, None, None)


def test_the_database_is_opened_read_only(project: Path, reader: DuckDBMartReader) -> None:
    _, rows = reader.read("fct_customer_orders")
    next(rows)  # the connection is open while rows are being read
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(project / "warehouse.duckdb"))  # a writer cannot get in meanwhile
    list(rows)
    duckdb.connect(str(project / "warehouse.duckdb")).close()  # closed once exhausted


def test_path_is_relative_to_project_and_target_selectable(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    write_project(root, db_path="data/wh.duckdb")
    profiles = root / "profiles.yml"
    profiles.write_text(
        profiles.read_text() + "    prod:\n      type: duckdb\n      path: /abs/prod.duckdb\n"
    )
    assert DuckDBMartReader(root, root).locate().path == root / "data" / "wh.duckdb"
    prod = DuckDBMartReader(root, root, target="prod").locate()
    assert (prod.path, prod.schema) == (Path("/abs/prod.duckdb"), "main")


def test_identifiers_are_quoted(project: Path, reader: DuckDBMartReader) -> None:
    with pytest.raises(PublishError, match=r"cannot read mart analytics\.x; drop table"):
        reader.read("x; drop table analytics.fct_customer_orders")
    columns, _ = reader.read("fct_customer_orders")
    assert columns


@pytest.mark.parametrize(
    ("adapter", "path", "message"),
    [
        ("snowflake", "x", "only duckdb targets can be extracted for now"),
        ("duckdb", "':memory:'", "needs a literal database file 'path'"),
        ("duckdb", "\"{{ env_var('DB') }}\"", "needs a literal database file 'path'"),
    ],
)
def test_unsupported_targets_are_named(
    tmp_path: Path, adapter: str, path: str, message: str
) -> None:
    write_project(tmp_path, db_path=path, adapter=adapter)
    with pytest.raises(PublishError, match=message):
        DuckDBMartReader(tmp_path, tmp_path).read("fct_x")


def test_missing_warehouse_and_profile_are_clear(tmp_path: Path) -> None:
    write_project(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "profiles.yml").write_text("shop: [\n")
    with pytest.raises(PublishError, match=r"profiles.yml: not valid YAML: [^\n]+$"):
        DuckDBMartReader(tmp_path, tmp_path / "broken").read("fct_x")
    with pytest.raises(PublishError, match="does not exist: build the mart first"):
        DuckDBMartReader(tmp_path, tmp_path).read("fct_x")
    with pytest.raises(PublishError, match=r"profiles\.yml: cannot read"):
        DuckDBMartReader(tmp_path, tmp_path / "nowhere").read("fct_x")
    with pytest.raises(PublishError, match="has no target 'qa'"):
        DuckDBMartReader(tmp_path, tmp_path, target="qa").read("fct_x")
