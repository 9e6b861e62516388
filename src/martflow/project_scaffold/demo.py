"""The demo repo: a new analytics repo, a synthetic shop warehouse and three sample tickets."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from martflow.core.ports import TemplateRenderer
from martflow.errors import UsageError
from martflow.project_scaffold.atomic import atomic_write_text
from martflow.project_scaffold.spark_local import check_runtime, session_output
from martflow.project_scaffold.synthetic_postgres import PgTarget
from martflow.project_scaffold.synthetic_postgres import load_shop as load_postgres_shop
from martflow.project_scaffold.synthetic_postgres import shop_loaded as postgres_loaded
from martflow.project_scaffold.synthetic_spark import load_shop, profile_settings, shop_loaded

WAREHOUSE_FILE = "warehouse.duckdb"
WAREHOUSES = ("duckdb", "postgres", "spark")
"""What ``martflow demo --warehouse`` offers."""
DIALECTS = {"spark": "sparksql"}
"""The sqlfluff dialect of a demo warehouse, where its name is not the warehouse's."""

CUSTOMER_ORDERS = """\
Finance wants lifetime value per customer: how many orders each customer placed and how
much they paid in total, with their names, on a dashboard.

```yaml
martflow:
  sources: [shop.orders, shop.customers, shop.payments]
  joins:
    - orders.customer_id = customers.customer_id
    - payments.order_id = orders.order_id
  mart: customer_orders
  kind: fact
  grain: [customers.customer_id]
  dimensions: [customers.first_name, customers.last_name]
  measures:
    - {name: order_count, expr: "count(distinct orders.order_id)"}
    - {name: lifetime_value, expr: "sum(payments.amount)"}
  dashboard: Customer lifetime value
```
"""

PRODUCTS = """\
Merchandising needs a clean product dimension: one row per product with its name,
category, list price and whether it is still sold.

```yaml
martflow:
  sources: [shop.products]
  mart: products
  kind: dimension
  grain: [products.product_id]
  dimensions:
    - products.product_name
    - products.category
    - products.unit_price_cents
    - products.is_active
  dashboard: Product catalogue
```
"""

BROKEN = """\
Revenue by payment method, net of refunds.

```yaml
martflow:
  sources: [shop.payments]
  mart: revenue_by_method
  kind: fact
  grian: [payments.payment_method]
  measures:
    - {name: net_revenue, expr: "sum(payments.amount) - sum(refunds.amount)"}
```
"""


@dataclass(frozen=True)
class DemoTicket:
    summary: str
    description: str


DEMO_TICKETS = (
    DemoTicket("Customer lifetime value", CUSTOMER_ORDERS),
    DemoTicket("Product catalogue dimension", PRODUCTS),
    DemoTicket("Revenue by payment method", BROKEN),
)


def prepare_repo(
    target: Path,
    rows: int,
    seed: int,
    warehouse: str = "duckdb",
    environ: Mapping[str, str] = os.environ,
    el: str = "",
    *,
    renderer: TemplateRenderer,
) -> tuple[Path, bool]:
    """Create the demo repo and its warehouse if missing; returns (root, created).

    ``warehouse="postgres"`` uses the server the libpq variables in ``environ`` name
    (UsageError naming the ones missing), loads the shop into its ``raw`` schema and
    points the repo's dbt profile there, its password read from the environment. ``el``
    lands the raw tables as that EL tool does (``synthetic_el``).
    ``warehouse="spark"`` runs Spark in local mode (dbt-spark's session method, files
    under ``.martflow/spark``) and loads the shop (landed as ``el`` lands it, if given) as
    Parquet-backed tables of ``raw``.
    """
    from martflow.project_scaffold.init import init_repo

    pg = PgTarget.from_environment(environ) if warehouse == "postgres" else None
    if warehouse == "spark":
        check_runtime()
    root = target.expanduser().absolute()
    created = False
    if not root.exists() or not any(root.iterdir()):
        dialect = DIALECTS.get(warehouse, warehouse)
        init_repo(root, tracker_project="DEMO", dialect=dialect, renderer=renderer)
        if pg is not None:
            _use_postgres(root, pg)
        if warehouse == "spark":
            _use_spark(root)
        created = True
    elif not (root / "config.toml").is_file():
        raise UsageError(f"{root} exists and is not a martflow repo (no config.toml)")
    _ensure_identity(root)
    if pg is not None:
        _load_postgres(pg, environ["PGPASSWORD"], rows, seed, el)
        return root, created
    if warehouse == "spark":
        if not shop_loaded(root):
            settings = profile_settings(root, root, None)
            load_shop(root, settings, rows=rows, seed=seed, el=el)
        return root, created
    from martflow.project_scaffold.synthetic import generate_shop

    warehouse_file = root / WAREHOUSE_FILE
    if not warehouse_file.exists():
        generate_shop(warehouse_file, rows=rows, seed=seed, el=el)
    return root, created


def _load_postgres(pg: PgTarget, password: str, rows: int, seed: int, el: str = "") -> None:
    conn = pg.connect(password)
    try:
        if not postgres_loaded(conn):
            load_postgres_shop(conn, rows=rows, seed=seed, el=el)
    finally:
        conn.close()


def _use_postgres(root: Path, pg: PgTarget) -> None:
    """Point the new repo's dbt profile at the server; marts become materialized views.

    The profile names host, port, user and database; the password only as
    ``env_var('PGPASSWORD')``, which ``[dbt] pass_env`` hands to dbt.
    """
    output: dict[str, object] = {
        "type": "postgres",
        "host": pg.host,
        "port": pg.port,
        "user": pg.user,
        "password": '{{ env_var("PGPASSWORD") }}',
        "dbname": pg.database,
        "schema": "analytics",
        "threads": 4,
    }
    header = "# dbt connection profile: no secrets (the password comes from PGPASSWORD).\n"
    _write_profile(root, output, header)
    config = root / "config.toml"
    text = config.read_text(encoding="utf-8")
    for old, new in POSTGRES_CONFIG:
        if old not in text:
            raise UsageError(f"{config}: cannot switch it to postgres (no {old.strip()!r})")
        text = text.replace(old, new, 1)
    atomic_write_text(config, text)
    project = root / "dbt_project.yml"
    layers = project.read_text(encoding="utf-8")
    for layer in ("staging", "intermediate"):
        old = f"    {layer}:\n      +materialized: view\n"
        if old not in layers:
            raise UsageError(f"{project}: no {layer} layer to make ephemeral")
        layers = layers.replace(old, f"    {layer}:\n      +materialized: ephemeral\n")
    # dbt-postgres rebuilds a view by swapping it in and dropping the old one CASCADE, which
    # drops a materialized view built on it: ephemeral layers keep the mart over raw
    # tables, so the next build refreshes it instead of creating it again.
    atomic_write_text(project, layers)
    _commit(root, "Use the Postgres warehouse named by the PG* variables")


POSTGRES_CONFIG = (
    ("pass_env = []", 'pass_env = ["PGPASSWORD"]'),
    ("# mart_materialization = ", "mart_materialization = "),
)
"""config.toml lines the postgres demo changes (the repo template holds the originals)."""


def _use_spark(root: Path) -> None:
    """Point the new repo's dbt profile at a local Spark session; tables are Parquet."""
    _write_profile(root, session_output(), "# dbt connection profile: Spark in local mode.\n")
    project = root / "dbt_project.yml"
    text = project.read_text(encoding="utf-8")
    if "\nmodels:\n" not in text:
        raise UsageError(f"{project}: no models section to configure for Spark")
    # Spark tables need a file format; Parquet is the one every Spark reads.
    parquet = text.replace("\nmodels:\n", "\nmodels:\n  +file_format: parquet\n", 1)
    atomic_write_text(project, parquet)
    _commit(root, "Use a local Spark session (dbt-spark, method: session)")


def _write_profile(root: Path, output: dict[str, object], header: str) -> None:
    import yaml

    profiles = root / "profiles.yml"
    data = yaml.safe_load(profiles.read_text(encoding="utf-8"))
    (name,) = data
    data[name]["outputs"]["dev"] = output
    atomic_write_text(profiles, header + yaml.safe_dump(data, sort_keys=False))


def _commit(root: Path, message: str) -> None:
    for args in (["add", "--all"], ["commit", "-q", "-m", message]):
        subprocess.run(
            ["git", "-c", "user.name=martflow", "-c", "user.email=martflow@localhost", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )


def _ensure_identity(root: Path) -> None:
    """The demo commits: give its repo an identity when the machine has none."""
    configured = subprocess.run(
        ["git", "-C", str(root), "config", "user.email"], capture_output=True, text=True
    )
    if configured.stdout.strip():
        return
    for key, value in (("user.name", "martflow demo"), ("user.email", "demo@martflow.invalid")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
