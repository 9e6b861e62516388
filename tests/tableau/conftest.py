"""Marts written straight into a DuckDB file, a dbt project that knows them, and Tableau's schemas.

The reader goes through the dbt worker, like publishing does: the project declares each
mart as a model (parsed, never built: the tables are made here) so dbt resolves its relation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from lxml import etree

from martflow.core.models import ColumnRef, Measure, SourceRef, TicketSpec
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.mart_reader import AdapterMartReader
from tests.recorded import EXT, ext_path

from .tableau_server import TableauLoopback

SCHEMAS = EXT / "tableau_document_schemas"
TSC_ASSETS = EXT / "tableau_tsc_assets"

MART_SQL = """
create table analytics.fct_customer_orders as
select * from (values
    (1, 'Ada', 3::bigint, 12.50::decimal(10, 2), date '2024-01-05',
     timestamp '2024-01-05 10:30:00', true),
    (2, 'Grace', 1::bigint, 99.99::decimal(10, 2), date '2024-02-10',
     timestamp '2024-02-10 08:00:00', false),
    (3, null, 0::bigint, null::decimal(10, 2), null::date, null::timestamp, null::boolean),
    (4, 'Edsger "E" <Dijkstra> & co', 7::bigint, 1234567.89::decimal(10, 2),
     date '2024-03-01', timestamp '2024-03-01 23:59:59.123456', true)
) as t(customer_id, first_name, order_count, lifetime_value, first_order_date,
       last_order_at, is_active)
"""

MART_COLUMNS = [
    ("customer_id", "INTEGER"),
    ("first_name", "VARCHAR"),
    ("order_count", "BIGINT"),
    ("lifetime_value", "DECIMAL(10,2)"),
    ("first_order_date", "DATE"),
    ("last_order_at", "TIMESTAMP"),
    ("is_active", "BOOLEAN"),
]


def require_ext(path: Path) -> Path:
    """Recorded material the tests need; a missing folder is a failure, never a skip."""
    return ext_path(str(path.relative_to(EXT)))


def make_spec(dashboard: str = "Customer lifetime value", **overrides: object) -> TicketSpec:
    values: dict[str, object] = {
        "sources": (SourceRef("shop", "orders"), SourceRef("shop", "customers")),
        "mart": "customer_orders",
        "kind": "fact",
        "grain": (ColumnRef("customers", "customer_id"),),
        "dimensions": (ColumnRef("customers", "first_name"),),
        "measures": (
            Measure("order_count", "count", ColumnRef("orders", "order_id"), distinct=True),
            Measure("lifetime_value", "sum", ColumnRef("payments", "amount")),
        ),
        "dashboard": dashboard,
    }
    values.update(overrides)
    return TicketSpec(**values)  # type: ignore[arg-type]


ALL_TYPES_SQL = """
create table analytics.fct_types as select * from (values
  (1::tinyint, 2::smallint, 3::integer, 4::bigint, 99999999999999999999999999999999999999::hugeint,
   12.34::decimal(10, 2), 1234567890123456789012.5::decimal(38, 1), 1.5::double,
   date '2024-02-29', timestamp '2024-02-29 13:14:15.123456',
   timestamptz '2024-02-29 13:14:15+02:00', 'hé <ü>', true, 'ab'::blob, [1, 2], time '10:11:12'),
  (null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null)
) as t(i8, i16, i32, i64, i128, dec, wide_dec, dbl, d, ts, tstz, txt, flag, bin, lst, tm)
"""

MART_MODELS = ("fct_customer_orders", "fct_types", "fct_missing")
"""Models the test project declares; fct_missing is never created."""


def write_project(root: Path, models: tuple[str, ...] = MART_MODELS) -> None:
    """A dbt-duckdb project over ``warehouse.duckdb``, schema analytics, declaring ``models``."""
    (root / "dbt_project.yml").write_text(
        "name: shop\nversion: '1.0'\nprofile: shop\nmodel-paths: [models]\n", encoding="utf-8"
    )
    (root / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n"
        f"      type: duckdb\n      path: '{root / 'warehouse.duckdb'}'\n"
        "      schema: analytics\n      threads: 1\n",
        encoding="utf-8",
    )
    (root / "models").mkdir(exist_ok=True)
    for name in models:
        (root / "models" / f"{name}.sql").write_text("select 1 as placeholder\n")


def make_mart_project(root: Path) -> Path:
    """The dbt project and its DuckDB file holding fct_customer_orders and fct_types."""
    root.mkdir(parents=True)
    write_project(root)
    conn = duckdb.connect(str(root / "warehouse.duckdb"))
    conn.execute("create schema analytics")
    conn.execute(MART_SQL)
    conn.execute(ALL_TYPES_SQL)
    conn.close()
    return root


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mart project shared by tests that only read it (one worker holds the file)."""
    return make_mart_project(tmp_path_factory.mktemp("tableau") / "repo")


@pytest.fixture(scope="session")
def reader(project: Path) -> Iterator[AdapterMartReader]:
    """Reads the marts through one warm dbt worker, as publishing does."""
    with DbtProcessRunner(project, project) as runner:
        yield AdapterMartReader(runner)


class Waits:
    """The retry policy's sleep: records the pauses instead of taking them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def server() -> Iterator[TableauLoopback]:
    """A loopback Tableau Server replaying TSC's recorded responses."""
    loopback = TableauLoopback(require_ext(TSC_ASSETS))
    with loopback.running():
        yield loopback


@pytest.fixture
def waits() -> Waits:
    return Waits()


def schema_for(twb: etree._Element) -> etree.XMLSchema:
    """Tableau's published schema for the workbook's ``version`` (``26.1`` -> ``2026_1``)."""
    major, minor = twb.get("version", "").split(".")
    folder = require_ext(SCHEMAS / "schemas" / f"20{major}_{minor}")
    xsd = next(folder.glob("twb_*.xsd"))
    text = xsd.read_text(encoding="utf-8")
    for namespace, stub in (
        ("http://www.tableausoftware.com/xml/user", "user_ns_stub.xsd"),
        ("http://www.w3.org/XML/1998/namespace", "xml_ns_stub.xsd"),
    ):
        element = f'<xs:import namespace="{namespace}"/>'
        assert element in text, f"{xsd.name}: import of {namespace} not found"
        located = (SCHEMAS / "stubs" / stub).as_uri()
        text = text.replace(
            element, f'<xs:import namespace="{namespace}" schemaLocation="{located}"/>'
        )
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8"), base_url=xsd.as_uri()))


def assert_valid_twb(xml: bytes | str) -> etree._Element:
    """Parse a .twb and validate it against the schema of its version; return the root."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = etree.fromstring(data)
    schema = schema_for(root)
    if not schema.validate(root):
        problems = "\n".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:10])
        pytest.fail(f"workbook does not validate against its schema:\n{problems}")
    return root


def read_hyper(path: Path, log_dir: Path) -> tuple[list[tuple[str, str]], list[list[object]]]:
    """Columns ``(name, sql type)`` and rows of ``"Extract"."Extract"``, read with the Hyper API."""
    from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry

    log_dir.mkdir(parents=True, exist_ok=True)
    params = {"log_dir": str(log_dir)}
    with (
        HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters=params) as hyper,
        Connection(hyper.endpoint, str(path)) as connection,
    ):
        table = connection.catalog.get_table_definition(TableName("Extract", "Extract"))
        columns = [(c.name.unescaped, str(c.type)) for c in table.columns]
        rows = connection.execute_list_query('select * from "Extract"."Extract" order by 1')
    return columns, rows
