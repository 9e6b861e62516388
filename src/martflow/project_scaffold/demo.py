"""The demo repo: a new analytics repo, a synthetic shop warehouse and three sample tickets."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from martflow.errors import UsageError

WAREHOUSE_FILE = "warehouse.duckdb"

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


def prepare_repo(target: Path, rows: int, seed: int) -> tuple[Path, bool]:
    """Create the demo repo and its warehouse if missing; returns (root, created)."""
    from martflow.project_scaffold.init import init_repo
    from martflow.project_scaffold.synthetic import generate_shop

    root = target.expanduser().absolute()
    created = False
    if not root.exists() or not any(root.iterdir()):
        init_repo(root, tracker_project="DEMO")
        created = True
    elif not (root / "config.toml").is_file():
        raise UsageError(f"{root} exists and is not a martflow repo (no config.toml)")
    _ensure_identity(root)
    warehouse = root / WAREHOUSE_FILE
    if not warehouse.exists():
        generate_shop(warehouse, rows=rows, seed=seed)
    return root, created


def _ensure_identity(root: Path) -> None:
    """The demo commits: give its repo an identity when the machine has none."""
    configured = subprocess.run(
        ["git", "-C", str(root), "config", "user.email"], capture_output=True, text=True
    )
    if configured.stdout.strip():
        return
    for key, value in (("user.name", "martflow demo"), ("user.email", "demo@martflow.invalid")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
