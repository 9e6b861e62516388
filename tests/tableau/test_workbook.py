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


def test_one_sheet_per_measure_over_time_by_first_dimension() -> None:
    root = assert_valid_twb(render_workbook(make_spec(), MART_COLUMNS, EXTRACT).xml)
    sheets = root.findall("worksheets/worksheet")
    assert [s.get("name") for s in sheets] == ["order_count", "lifetime_value"]
    first = sheets[0].find("table")
    assert first.findtext("rows").endswith(".[sum:order_count:qk]")
    assert first.findtext("cols").endswith(".[tmn:first_order_date:qk]")
    assert first.find("panes/pane/encodings/color").get("column").endswith(".[none:first_name:nk]")
    assert first.find("panes/pane/mark").get("class") == "Line"


def test_without_a_date_the_measure_is_by_the_first_dimension() -> None:
    columns = [c for c in MART_COLUMNS if c[1] not in {"DATE", "TIMESTAMP"}]
    root = assert_valid_twb(render_workbook(make_spec(), columns, EXTRACT).xml)
    table = root.find("worksheets/worksheet/table")
    assert table.findtext("cols").endswith(".[none:first_name:nk]")
    assert table.find("panes/pane/mark").get("class") == "Bar"
    assert table.find("panes/pane/encodings") is None


def test_dashboard_lays_out_every_sheet_under_its_title() -> None:
    workbook = render_workbook(make_spec("Customer LTV"), MART_COLUMNS, EXTRACT)
    root = assert_valid_twb(workbook.xml)
    dashboard = root.find("dashboards/dashboard")
    assert dashboard.get("name") == workbook.title == "Customer LTV"
    zones = dashboard.findall("zones/zone/zone")
    assert zones[0].get("type-v2") == "title"
    assert [z.get("name") for z in zones[1:]] == ["order_count", "lifetime_value"]
    assert sum(int(z.get("h")) for z in zones) == 100000
    windows = [w.get("name") for w in root.findall("windows/window")]
    assert windows == ["order_count", "lifetime_value", "Customer LTV"]


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
    xml = render_workbook(make_spec(), MART_COLUMNS, EXTRACT, version="25.3").xml
    root = assert_valid_twb(xml)
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
