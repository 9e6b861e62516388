"""The .twb: valid against Tableau's schema, right types and roles, sheets, dashboard, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from martflow.core.models import ColumnRef, Measure
from martflow.errors import PublishError
from martflow.integrations.tableau.live import LiveConnection
from martflow.integrations.tableau.workbook import render_workbook

from .conftest import MART_COLUMNS, SCHEMAS, assert_valid_twb, make_spec, require_ext, schema_for

EXTRACT = "Data/Extracts/fct_customer_orders.hyper"


def test_schemas_are_present() -> None:
    require_ext(SCHEMAS / "schemas" / "2026_1")


def test_datasource_declares_types_and_roles() -> None:
    root = assert_valid_twb(render_workbook(make_spec(), MART_COLUMNS, EXTRACT).xml)
    columns = {
        c.get("name"): (c.get("datatype"), c.get("role"), c.get("type"))
        for c in root.iterfind("datasources/datasource/column")
    }
    assert columns == {
        "[customer_id]": ("integer", "dimension", "ordinal"),
        "[first_name]": ("string", "dimension", "nominal"),
        "[order_count]": ("integer", "measure", "quantitative"),
        "[lifetime_value]": ("real", "measure", "quantitative"),
        "[first_order_date]": ("date", "dimension", "ordinal"),
        "[last_order_at]": ("datetime", "dimension", "ordinal"),
        "[is_active]": ("boolean", "dimension", "nominal"),
    }
    connection = root.find(".//named-connection/connection")
    assert (connection.get("class"), connection.get("dbname")) == ("hyper", EXTRACT)


def test_kpi_tiles_then_a_line_per_measure_over_time() -> None:
    root = assert_valid_twb(render_workbook(make_spec(), MART_COLUMNS, EXTRACT).xml)
    sheets = root.findall("worksheets/worksheet")
    assert [s.get("name") for s in sheets] == [
        "order_count total",
        "lifetime_value total",
        "order_count",
        "lifetime_value",
    ]
    tile = sheets[0].find("table")
    assert tile.find("panes/pane/mark").get("class") == "Text"
    assert tile.find("panes/pane/encodings/text").get("column").endswith(".[sum:order_count:qk]")
    assert tile.findtext("rows") == tile.findtext("cols") == ""
    line = sheets[2].find("table")
    assert line.findtext("rows").endswith(".[sum:order_count:qk]")
    assert line.findtext("cols").endswith(".[tmn:first_order_date:qk]")
    assert line.find("panes/pane/mark").get("class") == "Line"
    # first_name does not identify a customer: one line of totals, not a line per name
    assert line.find("panes/pane/encodings") is None


def bar_columns(spec, columns=None) -> str:
    columns = columns or [c for c in MART_COLUMNS if c[1] not in {"DATE", "TIMESTAMP"}]
    root = assert_valid_twb(render_workbook(spec, columns, EXTRACT).xml)
    table = root.find("worksheets/worksheet[@name='order_count']/table")
    assert table.find("panes/pane/mark").get("class") == "Bar"
    assert table.find("panes/pane/encodings") is None
    ds = root.find("datasources/datasource").get("name")
    return table.findtext("cols").replace(f"[{ds}].", "")


def test_bars_stay_at_the_grain_two_customers_called_ann_are_two_bars() -> None:
    assert bar_columns(make_spec()) == "([none:first_name:nk] / [none:customer_id:ok])"


def test_bars_by_a_dimension_that_is_the_grain_need_no_key() -> None:
    spec = make_spec(
        grain=(ColumnRef("customers", "first_name"),),
        dimensions=(ColumnRef("customers", "first_name"),),
    )
    assert bar_columns(spec) == "[none:first_name:nk]"


def test_dashboard_has_title_caption_kpi_row_charts_and_filters() -> None:
    workbook = render_workbook(
        make_spec("Customer LTV"),
        MART_COLUMNS,
        EXTRACT,
        key="DEMO-1",
        distinct={"first_name": 3, "is_active": 2},
    )
    root = assert_valid_twb(workbook.xml)
    dashboard = root.find("dashboards/dashboard")
    assert dashboard.get("name") == workbook.title == "Customer LTV"
    zones = dashboard.findall("zones/zone/zone")
    assert [z.get("type-v2") for z in zones[:2]] == ["title", "text"]
    assert zones[1].findtext("formatted-text/run") == "DEMO-1 · Customer LTV · fct_customer_orders"
    sheets = [z for z in zones if z.get("name") and z.get("type-v2") is None]
    assert [z.get("name") for z in sheets] == list(workbook.sheets)
    tiles, charts = sheets[:2], sheets[2:]
    assert len({z.get("y") for z in tiles}) == 1  # the KPI tiles share a row
    assert all(int(c.get("y")) >= int(tiles[0].get("y")) + int(tiles[0].get("h")) for c in charts)
    bottom = charts[-1]
    assert int(bottom.get("y")) + int(bottom.get("h")) == 100000
    filters = [z for z in zones if z.get("type-v2") == "filter"]
    assert [(z.get("param").split("].", 1)[1], z.get("mode")) for z in filters] == [
        ("[none:first_order_date:qk]", "slider"),
        ("[none:first_name:nk]", "checkdropdown"),
        ("[none:is_active:nk]", "checkdropdown"),
    ]
    # Every sheet, KPI tiles included, carries each filter in the same filter group.
    for sheet in root.findall("worksheets/worksheet"):
        groups = {
            f.get("column").split("].", 1)[1]: f.get("filter-group")
            for f in sheet.findall("table/view/filter")
        }
        assert groups == {
            "[none:first_order_date:qk]": "1",
            "[none:first_name:nk]": "2",
            "[none:is_active:nk]": "3",
        }, sheet.get("name")
    windows = [w.get("name") for w in root.findall("windows/window")]
    assert windows == [*workbook.sheets, "Customer LTV"]


def test_quick_filters_only_on_few_valued_text_columns_outside_the_grain() -> None:
    many = render_workbook(
        make_spec(), MART_COLUMNS, EXTRACT, distinct={"first_name": 21, "is_active": 1}
    )
    root = assert_valid_twb(many.xml)
    params = [z.get("param") for z in root.iterfind(".//zone[@type-v2='filter']")]
    assert [p.split("].", 1)[1] for p in params] == ["[none:first_order_date:qk]"]


def test_title_defaults_to_the_mart_and_rendering_is_deterministic() -> None:
    spec = make_spec(dashboard="")
    first = render_workbook(spec, MART_COLUMNS, EXTRACT)
    assert first.title == "customer_orders"
    assert render_workbook(spec, MART_COLUMNS, EXTRACT).xml == first.xml


HOSTILE = 'Q1 <script>&amp; "LTV" {{ 7 * 7 }} {% raw %}\x00'


def test_untrusted_title_is_escaped_and_inert() -> None:
    workbook = render_workbook(make_spec(HOSTILE), MART_COLUMNS, EXTRACT)
    root = assert_valid_twb(workbook.xml)
    expected = 'Q1 <script>&amp; "LTV" {{ 7 * 7 }} {% raw %}'
    assert root.find("dashboards/dashboard").get("name") == expected
    assert "<script>" not in workbook.xml
    assert "&lt;script&gt;&amp;amp; &#34;LTV&#34; {{ 7 * 7 }}" in workbook.xml


def test_hostile_column_names_stay_data() -> None:
    spec = make_spec(measures=(Measure("x", "sum", ColumnRef("t", "v")),))
    columns = [("first_name", "VARCHAR"), ("x", "INTEGER"), ("a]<b>&'{{c}}", "DOUBLE")]
    root = assert_valid_twb(render_workbook(spec, columns, EXTRACT).xml)
    names = [c.get("name") for c in root.iterfind("datasources/datasource/column")]
    assert names == ["[first_name]", "[x]", "[a]]<b>&'{{c}}]"]


def test_a_dimension_mart_without_measures_counts_rows() -> None:
    spec = make_spec(kind="dimension", measures=())
    root = assert_valid_twb(render_workbook(spec, MART_COLUMNS, EXTRACT).xml)
    table = root.find("worksheets/worksheet/table")
    assert table.findtext("rows").endswith(".[cnt:first_name:qk]")


def test_a_measure_missing_from_the_mart_is_named() -> None:
    columns = [c for c in MART_COLUMNS if c[0] != "lifetime_value"]
    with pytest.raises(PublishError, match="measure 'lifetime_value' is not a column"):
        render_workbook(make_spec(), columns, EXTRACT)


def test_the_schema_rejects_a_manifest_only_workbook() -> None:
    """The validator can fail: a workbook with only the manifest is invalid."""
    bare = (
        "<workbook version='26.1' source-build='0.0.0' "
        "xmlns:user='http://www.tableausoftware.com/xml/user'>"
        "<document-format-change-manifest><ManifestByVersion /></document-format-change-manifest>"
        "</workbook>"
    )
    root = etree.fromstring(bare)
    assert not schema_for(root).validate(root)


def test_renders_valid_for_the_2025_3_schema_too() -> None:
    xml = render_workbook(
        make_spec(), MART_COLUMNS, EXTRACT, version="25.3", key="K-1", distinct={"first_name": 2}
    ).xml
    root = assert_valid_twb(xml)
    assert len(root.findall(".//zone[@type-v2='filter']")) == 2
    assert root.get("version") == "25.3"


def test_duplicate_sheet_names_are_caught_by_the_schema(tmp_path: Path) -> None:
    """A dashboard named like a sheet would break window-name uniqueness; it gets a suffix."""
    workbook = render_workbook(make_spec("order_count"), MART_COLUMNS, EXTRACT)
    assert workbook.title == "order_count (dashboard)"
    assert_valid_twb(workbook.xml)
    clash = workbook.xml.replace("order_count (dashboard)", "order_count")
    root = etree.fromstring(clash.encode())
    assert not schema_for(root).validate(root)


SNOWFLAKE_TARGET = {
    "type": "snowflake",
    "account": "acme-eu",
    "user": "ANALYST",
    "database": "ANALYTICS",
    "schema": "MARTS",
    "table": "FCT_CUSTOMER_ORDERS",
    "warehouse": "REPORTING",
    "role": "TABLEAU",
}


@pytest.mark.parametrize("version", ["26.1", "25.3"])
def test_a_live_snowflake_connection_is_schema_valid_and_holds_no_password(version: str) -> None:
    live = LiveConnection.from_target(SNOWFLAKE_TARGET)
    root = assert_valid_twb(render_workbook(make_spec(), MART_COLUMNS, "", version, live).xml)
    connection = root.find(".//named-connection/connection")
    assert connection.get("class") == "snowflake"
    assert connection.get("server") == "acme-eu.snowflakecomputing.com"
    assert (connection.get("dbname"), connection.get("schema")) == ("ANALYTICS", "MARTS")
    assert (connection.get("warehouse"), connection.get("username")) == ("REPORTING", "ANALYST")
    relation = root.find(".//datasource/connection/relation")
    assert relation.get("table") == "[MARTS].[FCT_CUSTOMER_ORDERS]"
    assert all("password" not in name for e in root.iter() for name in e.attrib)


def test_live_connections_name_the_adapters_they_support() -> None:
    with pytest.raises(PublishError, match="uses 'duckdb': use connection = 'extract'"):
        LiveConnection.from_target({"type": "duckdb", "table": "fct_x"})
