"""Fresh `dbt build` process vs a build in the warm martflow worker; prints a table.

Usage: .venv/bin/python bench/build_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from martflow.integrations.dbt import DbtProcessRunner, worker_env

SELECT = "+fct_customer_orders"
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

PARTIAL_PARSE_SNIPPET = """
import sys, time
from dbt.cli.main import dbtRunner
args = ["build", "--select", sys.argv[1], "--log-level", "none", "--profiles-dir", "."]
runner = dbtRunner()
runner.invoke(args)
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    assert runner.invoke(args).success
    print(time.perf_counter() - start)
"""


def make_project(root: Path) -> Path:
    """A stg -> int -> fct dbt-duckdb project with four tests."""
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
    return root


def timed_fresh_process(project: Path) -> float:
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", "--select", SELECT, "--profiles-dir", str(project)]
    start = time.perf_counter()
    subprocess.run(
        command, cwd=project, env=worker_env(os.environ), check=True, capture_output=True
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "shop")
        fresh = [timed_fresh_process(project) for _ in range(runs)]

        with DbtProcessRunner(project, project) as runner:
            start = time.perf_counter()
            first_report = runner.build([SELECT])
            first = time.perf_counter() - start
            warm = []
            for _ in range(runs):
                start = time.perf_counter()
                runner.build([SELECT])
                warm.append(time.perf_counter() - start)

        out = subprocess.run(
            [sys.executable, "-P", "-c", PARTIAL_PARSE_SNIPPET, SELECT, str(runs)],
            cwd=project,
            env=worker_env(os.environ),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        partial = [float(line) for line in out.split()]

    nodes = len(first_report.nodes)
    rows = [
        ("fresh `dbt build` process", statistics.median(fresh)),
        ("worker: first build (spawn, import, parse)", first),
        ("dbtRunner warm, dbt partial parsing", statistics.median(partial)),
        ("worker: warm build (manifest reused)", statistics.median(warm)),
    ]
    print(f"dbt build of {nodes} nodes ({SELECT}), median of {runs} runs\n")
    print(f"{'mode':<46}{'seconds':>9}{'speed-up':>10}")
    base = rows[0][1]
    for name, seconds in rows:
        print(f"{name:<46}{seconds:>9.3f}{base / seconds:>9.1f}x")


if __name__ == "__main__":
    main()
