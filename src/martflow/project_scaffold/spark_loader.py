"""Child process loading Parquet files as tables of a local Spark warehouse.

Run as ``python -P -m martflow.project_scaffold.spark_loader`` from the dbt project folder
by ``synthetic_spark.load_shop``. It has a process of its own because Spark's embedded
Derby metastore admits one Java process at a time: this one exits (releasing it) before
the dbt worker starts its own session. Prints one JSON line, ``{"counts": {...}}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def load(parquet_dir: Path, schema: str, tables: list[str], settings: dict[str, str]) -> dict:
    """Create ``schema`` and one Parquet-backed table per file; returns rows per table."""
    from pyspark.sql import SparkSession  # the child's whole purpose: Spark, once

    builder = SparkSession.builder.appName("martflow-load").enableHiveSupport()
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        spark.sql(f"create database if not exists `{schema}`")
        counts = {}
        for table in tables:
            frame = spark.read.parquet(str(parquet_dir / f"{table}.parquet"))
            name = f"`{schema}`.`{table}`"
            frame.write.mode("overwrite").format("parquet").saveAsTable(name)
            counts[table] = spark.table(name).count()
        return counts
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="martflow-spark-loader")
    parser.add_argument("--parquet-dir", required=True, type=Path)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--tables", required=True, help="comma-separated table names")
    parser.add_argument("--settings", required=True, help="Spark settings as a JSON object")
    ns = parser.parse_args(argv)
    counts = load(ns.parquet_dir, ns.schema, ns.tables.split(","), json.loads(ns.settings))
    print(json.dumps({"counts": counts}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
