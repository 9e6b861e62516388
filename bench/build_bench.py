"""Build: a build in martflow's warm dbt worker vs a fresh `dbt build` process.

Usage: .venv/bin/python bench/build_bench.py [--runs N] [--models 1000] [--json PATH]

Two dbt-duckdb projects: the demo's shape (stg -> int -> fct with tests) and the same
ticket inside a generated project of --models more models, which every fresh process
must parse (partial parsing on, as dbt does by default). Both sides build the ticket's
selection, `+fct_customer_orders`. The runs of each side are taken in turn, not
interleaved: a worker holding the DuckDB file would lock a fresh process out.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from harness import Figure, bench_args, report, wall

from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.dbt_env import worker_env

SELECT = "+fct_customer_orders"
AIM = 0.25
"""Issue 16: the warm worker at least 4x faster than a fresh process, 1,000 models too."""

MODELS = {
    "stg_shop__orders.sql": "select order_id, customer_id, amount from raw.orders\n",
    "stg_shop__customers.sql": "select customer_id, first_name from raw.customers\n",
    "int_customer_orders__joined.sql": (
        "select o.order_id, o.amount, c.customer_id, c.first_name\n"
        "from {{ ref('stg_shop__orders') }} as o\n"
        "inner join {{ ref('stg_shop__customers') }} as c on o.customer_id = c.customer_id\n"
    ),
    "fct_customer_orders.sql": (
        "select customer_id, count(*) as order_count, sum(amount) as lifetime_value\n"
        "from {{ ref('int_customer_orders__joined') }}\ngroup by customer_id\n"
    ),
    "_models.yml": (
        "version: 2\nmodels:\n"
        "  - name: stg_shop__orders\n    columns:\n"
        "      - name: order_id\n        data_tests: [unique, not_null]\n"
        "  - name: fct_customer_orders\n    columns:\n"
        "      - name: customer_id\n        data_tests: [unique, not_null]\n"
    ),
}


def make_project(root: Path, extra_models: int = 0) -> Path:
    """The ticket's models, and ``extra_models`` more the project has (views, never built)."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\n")
    (root / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{root / 'warehouse.duckdb'}'\n      threads: 1\n"
    )
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.orders as select i as order_id, i % 50 as customer_id, "
        "i * 1.5 as amount from range(1, 1001) t(i)"
    )
    con.execute(
        "create table raw.customers as select i as customer_id, 'n' || i as first_name "
        "from range(0, 50) t(i)"
    )
    con.close()
    for name, text in MODELS.items():
        (root / "models" / name).write_text(text)
    if extra_models:
        other = root / "models" / "other"
        other.mkdir()
        (other / "_sources.yml").write_text(
            "version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n"
            "      - name: orders\n"
        )
        for i in range(extra_models):
            (other / f"stg_other__table_{i:04d}.sql").write_text(
                "{{ config(materialized='view') }}\n"
                f"select order_id, amount * {i} as amount_{i}\n"
                f"from {{{{ source('raw', 'orders') }}}}\nwhere order_id % {i + 1} = 0\n"
            )
    return root


def fresh_runs(project: Path, runs: int) -> float:
    """Median seconds of a fresh `dbt build` process (after one run leaves its parse cache)."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", "--select", SELECT, "--profiles-dir", str(project)]
    env = worker_env(os.environ)
    wall(command, project, env)  # a user's project has target/partial_parse.msgpack
    return statistics.median(wall(command, project, env) for _ in range(runs))


def warm_runs(project: Path, runs: int) -> float:
    """Median seconds of a build in the warm worker (after its first build)."""
    with DbtProcessRunner(project, project) as runner:
        runner.build([SELECT])
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            runner.build([SELECT])
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(runs: int, models: int) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="martflow-build-bench-") as tmp:
        for label, extra in (("the demo's 4 models", 0), (f"{models + 4} models", models)):
            project = make_project(Path(tmp) / f"shop_{extra}", extra)
            fresh = fresh_runs(project, runs)
            warm = warm_runs(project, runs)
            figures.append(
                Figure(
                    f"`build` of a ticket's models (+tests), project of {label}",
                    warm,
                    "fresh `dbt build` process",
                    fresh,
                    AIM,
                    runs,
                )
            )
    return figures


def main() -> None:
    args = bench_args(__doc__, models=(int, 1000))
    report(measure(args.runs, args.models), args.json)


if __name__ == "__main__":
    main()
