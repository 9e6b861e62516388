"""A jaffle-shop-like team repo, built in a temporary folder: what martflow must adopt.

Shapes every test relies on:
- a git repo whose default branch is ``develop``, pushed to a bare ``origin`` with
  ``origin/HEAD`` -> ``develop``; the dbt project lives in ``transform/``;
- seeds as raw data (``raw_customers``, ``raw_orders``), staging models named
  ``stg_<table>`` (``stg_customers``, ``stg_orders`` on the seeds, ``stg_payments`` on a
  source), a team mart ``fct_orders``;
- one hand-written ``models/sources.yml`` with comments, a custom ``schema:`` and an
  ``identifier:``; the landing schema also holds ``refunds``, which nothing declares yet;
- an ANSI ``.sqlfluff`` with the jinja templater; a ``.pre-commit-config.yaml`` of the team's.

The raw landing data is loaded by ``load_landing`` (the team's EL tool); ``dbt build``
loads the seeds. ``build_fresh`` builds the whole project on a new, empty warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

CUSTOMERS = 100
"""Customers in the seed; the first 62 have orders, the rest none."""
WITH_ORDERS = 62

DBT_PROJECT = """\
name: jaffle
version: "1.0.0"
profile: jaffle
model-paths: ["models"]
seed-paths: ["seeds"]
macro-paths: ["macros"]
clean-targets: ["target"]

models:
  jaffle:
    staging:
      +materialized: view
    marts:
      +materialized: table
"""

PROFILES = """\
jaffle:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: jaffle.duckdb
      threads: 1
"""

SQLFLUFF = """\
[sqlfluff]
dialect = ansi
templater = jinja
max_line_length = 100

[sqlfluff:templater:jinja]
apply_dbt_builtins = True

[sqlfluff:rules:capitalisation.keywords]
capitalisation_policy = lower

[sqlfluff:rules:capitalisation.identifiers]
extended_capitalisation_policy = lower

[sqlfluff:rules:capitalisation.functions]
extended_capitalisation_policy = lower

[sqlfluff:rules:capitalisation.literals]
capitalisation_policy = lower

[sqlfluff:rules:capitalisation.types]
extended_capitalisation_policy = lower

[sqlfluff:rules:convention.terminator]
require_final_semicolon = False
"""

SOURCES_YML = """\
version: 2

# Raw data the EL tool lands every night.
sources:
- name: stripe
  description: "Payments from Stripe."  # the payments app
  schema: landing  # not the source's name
  tables:
  - name: payments
    identifier: stripe_payments_v2  # renamed by the EL tool in 2023
    columns:
    - name: id
      data_tests: [unique, not_null]

# Nothing else is loaded yet.
"""

STG_CUSTOMERS = """\
select
    id as customer_id,
    first_name,
    last_name
from {{ ref('raw_customers') }}
"""

STG_ORDERS = """\
select
    id as order_id,
    user_id as customer_id,
    order_date,
    status
from {{ ref('raw_orders') }}
"""

STG_PAYMENTS = """\
select
    id as payment_id,
    order_id,
    payment_method,
    amount / 100.0 as amount
from {{ source('stripe', 'payments') }}
"""

FCT_ORDERS = """\
select
    o.order_id,
    o.customer_id,
    o.order_date,
    sum(p.amount) as amount
from {{ ref('stg_orders') }} as o
left join {{ ref('stg_payments') }} as p on o.order_id = p.order_id
group by o.order_id, o.customer_id, o.order_date
"""

LEGACY = """\
-- An old model nobody touched in years: it has many lint findings.
SELECT O.ORDER_ID , O.STATUS FROM {{ ref('stg_orders') }} O
WHERE O.STATUS = 'returned'
"""

SCHEMA_YML = """\
version: 2

models:
  - name: stg_customers
    columns:
      - name: customer_id
        data_tests: [unique, not_null]
  - name: stg_orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
  - name: stg_payments
    columns:
      - name: payment_id
        data_tests: [unique, not_null]
"""

PRE_COMMIT = """\
# The team's own hooks.
repos: []
"""

GITIGNORE = """\
transform/target/
transform/logs/
transform/dbt_packages/
*.duckdb
*.duckdb.wal
"""

FILES = {
    ".gitignore": GITIGNORE,
    ".pre-commit-config.yaml": PRE_COMMIT,
    "README.md": "# Jaffle analytics\n",
    "transform/dbt_project.yml": DBT_PROJECT,
    "transform/profiles.yml": PROFILES,
    "transform/.sqlfluff": SQLFLUFF,
    "transform/macros/.gitkeep": "",
    "transform/models/sources.yml": SOURCES_YML,
    "transform/models/staging/stg_customers.sql": STG_CUSTOMERS,
    "transform/models/staging/stg_orders.sql": STG_ORDERS,
    "transform/models/staging/stg_payments.sql": STG_PAYMENTS,
    "transform/models/staging/schema.yml": SCHEMA_YML,
    "transform/models/marts/fct_orders.sql": FCT_ORDERS,
    "transform/models/legacy/returned_orders.sql": LEGACY,
}


def seeds() -> dict[str, str]:
    """raw_customers (100) and raw_orders (the first 62 customers order 1 or 2 times)."""
    customers = ["id,first_name,last_name"]
    customers += [f"{i},First{i},Last{i}" for i in range(1, CUSTOMERS + 1)]
    orders = ["id,user_id,order_date,status"]
    order_id = 0
    for customer in range(1, WITH_ORDERS + 1):
        for n in range(1 + customer % 2):
            order_id += 1
            status = ("placed", "shipped", "completed", "returned")[order_id % 4]
            orders.append(f"{order_id},{customer},2024-01-{1 + (order_id + n) % 28:02d},{status}")
    return {
        "transform/seeds/raw_customers.csv": "\n".join(customers) + "\n",
        "transform/seeds/raw_orders.csv": "\n".join(orders) + "\n",
    }


def order_count() -> int:
    return seeds()["transform/seeds/raw_orders.csv"].count("\n") - 1


def load_landing(db: Path) -> None:
    """What the EL tool lands: one payment per order (cents), refunds for some payments."""
    orders = order_count()
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists landing")
        con.execute(
            "create or replace table landing.stripe_payments_v2 as select i as id, "
            "i as order_id, case when i % 3 = 0 then 'gift_card' else 'credit_card' end "
            f"as payment_method, 1000 + i as amount from range(1, {orders + 1}) t(i)"
        )
        con.execute(
            "create or replace table landing.refunds as select 100 + i as refund_id, "
            "i * 5 as payment_id, 250 as amount_cents, "
            "'2024-02-0' || (i % 9 + 1) || ' 10:00:00' as refunded_at from range(1, 8) t(i)"
        )


def git(root: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def make_repo(base: Path) -> Path:
    """The team's repo at ``base/jaffle`` (with ``base/origin.git``), built and pushed."""
    root = base / "jaffle"
    for rel, text in {**FILES, **seeds()}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "init", "-q", "-b", "develop")
    git(root, "config", "user.name", "Jaffle Dev")
    git(root, "config", "user.email", "dev@jaffle.example")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Jaffle analytics")
    remote = base / "origin.git"
    git(base, "init", "-q", "--bare", "-b", "develop", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "-u", "origin", "develop")
    git(root, "remote", "set-head", "origin", "develop")
    project = root / "transform"
    load_landing(project / "jaffle.duckdb")
    result = run_dbt(project, project, "build")
    assert result.success, result.exception
    return root


def copy_repo(template: Path, base: Path) -> Path:
    """A copy of a built repo (and its origin), with the remote pointing at the copy."""
    shutil.copytree(template.parent, base, dirs_exist_ok=True, symlinks=True)
    root = base / template.name
    git(root, "remote", "set-url", "origin", str(base / "origin.git"))
    return root


def run_dbt(project: Path, profiles: Path, *args: str, target_path: Path | None = None) -> object:
    """dbt in this process, with the project folder as working directory (duckdb's path)."""
    import os

    from dbt.cli.main import dbtRunner

    extra = ["--target-path", str(target_path)] if target_path else []
    # No anonymous usage stats: dbt would write .user.yml beside profiles.yml.
    extra.append("--no-send-anonymous-usage-stats")
    here = Path.cwd()
    os.chdir(project)
    try:
        return dbtRunner().invoke(
            [*args, "--project-dir", str(project), "--profiles-dir", str(profiles), *extra]
        )
    finally:
        os.chdir(here)


@dataclass(frozen=True)
class Build:
    """The outcome of a dbt build in its own process."""

    success: bool
    failed: list[str]
    output: str


def build_fresh(project: Path, scratch: Path) -> Build:
    """``dbt build`` of the WHOLE project on a new warehouse holding only the landed data.

    It runs as its own process (the dbt CLI), as a team's CI would.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    db = scratch / "fresh.duckdb"
    db.unlink(missing_ok=True)
    load_landing(db)
    (scratch / "profiles.yml").write_text(
        "jaffle:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {json.dumps(str(db))}\n      threads: 1\n"
    )
    target = scratch / "target"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(scratch),
            "--target-path",
            str(target),
            "--no-send-anonymous-usage-stats",
            "--no-use-colors",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    results = target / "run_results.json"
    failed = []
    if results.is_file():
        failed = [
            r["unique_id"].split(".")[2]
            for r in json.loads(results.read_text())["results"]
            if r["status"] not in ("success", "pass")
        ]
    return Build(done.returncode == 0, failed, done.stdout[-3000:])


def failed_nodes(result: Build) -> str:
    """What to show when a build did not pass."""
    return f"failed: {result.failed}\n{result.output}"
