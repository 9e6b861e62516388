"""DEMO-1's build on Spark in local mode vs on DuckDB, measured in the same run.

Usage: .venv/bin/python bench/spark_bench.py [--runs N] [--rows 3000] [--json PATH]

Each warehouse gets its demo repo from `martflow demo DIR --warehouse duckdb|spark` (one
end-to-end run each, timed: the first figure). Then DEMO-1's build, `+fct_customer_orders`
with its tests, is timed in martflow's warm dbt worker on each warehouse, and on Spark in a
fresh `dbt build` process too (what a CI job pays: Spark starts in every process). The
runs of each side are taken in turn, not interleaved: Spark's Derby metastore and DuckDB's
file admit one process at a time.

Needs `pip install 'martflow[spark]'` and Java 17 (`apt-get install -y openjdk-17-jre-headless`).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import BIN, Figure, bench_args, report, wall

from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.dbt_env import worker_env

SELECT = "+fct_customer_orders"


def demo(root: Path, warehouse: str, rows: int) -> float:
    """Seconds of one `martflow demo` run, DEMO-1 end to end."""
    return wall(
        [str(BIN / "martflow"), "demo", str(root), "--rows", str(rows), "--warehouse", warehouse]
    )


def warm_build(project: Path, runs: int) -> float:
    """Median seconds of DEMO-1's build in a warm worker (after its first build)."""
    with DbtProcessRunner(project, project) as runner:
        runner.build([SELECT], mart="fct_customer_orders")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            report = runner.build([SELECT], mart="fct_customer_orders")
            times.append(time.perf_counter() - start)
            if report.failures:
                raise SystemExit(f"spark_bench: the build failed in {project}")
    return statistics.median(times)


def fresh_build(project: Path, runs: int) -> float:
    """Median seconds of a fresh `dbt build --select` process (its parse state left in place)."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", "--select", SELECT, "--profiles-dir", str(project)]
    env = worker_env(os.environ)
    return statistics.median(wall(command, project, env) for _ in range(runs))


def measure(runs: int, rows: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="martflow-spark-bench-") as tmp:
        duck, spark = Path(tmp) / "duckdb", Path(tmp) / "spark"
        demo_duck = demo(duck, "duckdb", rows)
        demo_spark = demo(spark, "spark", rows)
        warm_duck = warm_build(duck, runs)
        warm_spark = warm_build(spark, runs)
        fresh_spark = fresh_build(spark, runs)
    return [
        Figure(
            f"`demo`, DEMO-1 end to end ({rows:,} orders), Spark local",
            demo_spark,
            "the same on DuckDB",
            demo_duck,
            None,
            1,
            "one run each; Spark's includes loading the shop as Parquet (its own JVM)",
        ),
        Figure(
            "DEMO-1 `build` (+tests), warm worker, Spark local",
            warm_spark,
            "the same on DuckDB",
            warm_duck,
            None,
            runs,
        ),
        Figure(
            "DEMO-1 `build` (+tests) on Spark local, warm worker",
            warm_spark,
            "fresh `dbt build` process",
            fresh_spark,
            0.25,
            runs,
        ),
    ]


def main() -> None:
    args = bench_args(__doc__, rows=(int, 3000))
    report(measure(args.runs, args.rows), args.json)


if __name__ == "__main__":
    main()
