"""Local mode: the .twbx in output_dir, its extract matching the mart, paths as artifacts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PIL import Image

from martflow.core.ports import BiPublisher
from martflow.errors import PublishError
from martflow.integrations.mart_reader import AdapterMartReader
from martflow.integrations.tableau.local import LocalTableauPublisher

from .conftest import MART_COLUMNS, assert_valid_twb, make_spec, read_hyper

HYPER_TYPES = ["INT", "TEXT", "BIG_INT", "NUMERIC(10, 2)", "DATE", "TIMESTAMP", "BOOL"]


@pytest.fixture
def publisher(reader: AdapterMartReader, tmp_path: Path) -> LocalTableauPublisher:
    return LocalTableauPublisher(reader, tmp_path / "dashboards", tmp_path / ".martflow")


def test_publish_writes_a_twbx_whose_extract_matches_the_mart(
    publisher: LocalTableauPublisher, tmp_path: Path
) -> None:
    port: BiPublisher = publisher
    result = port.publish(make_spec(), "DEMO-1")

    twbx = tmp_path / "dashboards" / "fct_customer_orders.twbx"
    assert result.location == str(twbx)
    assert set(result.artifacts) == {"twbx", "twb", "hyper"}
    assert all(Path(p).is_file() for p in result.artifacts.values())
    with zipfile.ZipFile(twbx) as archive:
        assert sorted(archive.namelist()) == [
            "Data/Extracts/fct_customer_orders.hyper",
            "fct_customer_orders.twb",
        ]
        root = assert_valid_twb(archive.read("fct_customer_orders.twb"))
        archive.extract("Data/Extracts/fct_customer_orders.hyper", tmp_path / "unpacked")
    dbname = root.find(".//named-connection/connection").get("dbname")
    columns, rows = read_hyper(tmp_path / "unpacked" / dbname, tmp_path / "logs")
    assert columns == [
        (name, kind) for (name, _), kind in zip(MART_COLUMNS, HYPER_TYPES, strict=True)
    ]
    assert len(rows) == 4
    assert [r[1] for r in rows] == ["Ada", "Grace", None, 'Edsger "E" <Dijkstra> & co']
    # The rows counted on their way into the extract choose the quick filters; the
    # caption names the ticket.
    params = [z.get("param") for z in root.iterfind(".//zone[@type-v2='filter']")]
    assert [p.split("].", 1)[1] for p in params] == [
        "[none:first_order_date:qk]",
        "[none:first_name:nk]",
        "[none:is_active:nk]",
    ]
    assert root.findtext(".//zone[@type-v2='text']/formatted-text/run").startswith("DEMO-1 · ")


def test_republish_overwrites_in_place(publisher: LocalTableauPublisher, tmp_path: Path) -> None:
    first = publisher.publish(make_spec(), "DEMO-1")
    second = publisher.publish(make_spec(), "DEMO-1")
    assert first == second
    leftovers = [p.name for p in (tmp_path / "dashboards").iterdir()]
    assert leftovers == ["fct_customer_orders.twbx"]


def test_dry_run_names_the_paths_and_only_sketches_the_dashboard(
    publisher: LocalTableauPublisher, tmp_path: Path
) -> None:
    result = publisher.publish(make_spec(), "DEMO-1", dry_run=True)
    assert result.location == str(tmp_path / "dashboards" / "fct_customer_orders.twbx")
    assert result.artifacts["hyper"].endswith("Data/Extracts/fct_customer_orders.hyper")
    assert not (tmp_path / "dashboards").exists()
    sketch = Path(result.artifacts["sketch"])
    written = sorted(p for p in (tmp_path / ".martflow").rglob("*") if p.is_file())
    assert written == [sketch]
    assert sketch.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(sketch) as image:
        assert image.size[0] > 600 and image.size[1] > 400
    # The text sketch shows the same zones: title, caption, KPI tiles, charts, filters.
    lines = result.sketch.splitlines()
    assert lines[:2] == [
        "Customer lifetime value",
        "DEMO-1 · Customer lifetime value · fct_customer_orders",
    ]
    for label in (
        "|total order_count",
        "|total lifetime_value",
        "|line: lifetime_value by month of first_order_date",
        "|first_name [v]",
        "|is_active [v]",
        "|first_order_d",  # "first_order_date [..]", cut to its card
    ):
        assert label in result.sketch, (label, result.sketch)
    assert len(lines) == 24 and max(map(len, lines)) <= 80


def test_dry_run_of_an_unbuilt_mart_says_why_there_is_no_sketch(
    publisher: LocalTableauPublisher,
) -> None:
    result = publisher.publish(make_spec(mart="missing"), "DEMO-1", dry_run=True)
    assert "sketch" not in result.artifacts
    assert result.sketch.startswith("no sketch of the dashboard: cannot read mart fct_missing")


def test_an_unbuilt_mart_fails_with_its_name(publisher: LocalTableauPublisher) -> None:
    with pytest.raises(
        PublishError, match=r"cannot read mart fct_missing: .*build fct_missing first"
    ):
        publisher.publish(make_spec(mart="missing"), "DEMO-1")


def test_a_mart_name_that_is_not_an_identifier_never_names_a_file(
    publisher: LocalTableauPublisher, tmp_path: Path
) -> None:
    with pytest.raises(PublishError, match="cannot name a workbook file"):
        publisher.publish(make_spec(mart="../../etc/x"), "DEMO-1", dry_run=True)


def test_live_on_a_duckdb_target_is_refused_naming_the_alternative(
    reader: AdapterMartReader, tmp_path: Path
) -> None:
    live = LocalTableauPublisher(reader, tmp_path / "out", tmp_path / ".martflow", "live")
    with pytest.raises(PublishError, match="use connection = 'extract'"):
        live.publish(make_spec(), "DEMO-1")
    assert not (tmp_path / "out").exists()
