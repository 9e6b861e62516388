"""How long generate_shop takes for growing order counts; prints a table.

(A sizing tool for the demo data, with no peer: not part of `make bench`.)

Usage: .venv/bin/python bench/synthetic_sizes.py [ROWS ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from martflow.project_scaffold.synthetic import generate_shop

DEFAULT_ROWS = (10_000, 100_000, 1_000_000, 3_000_000)


def main(argv: list[str]) -> None:
    sizes = [int(arg) for arg in argv] or list(DEFAULT_ROWS)
    print(f"{'orders':>10} {'all rows':>11} {'seconds':>8} {'rows/s':>11} {'MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            db = Path(tmp) / f"shop_{rows}.duckdb"
            start = time.perf_counter()
            counts = generate_shop(db, rows=rows, seed=42)
            seconds = time.perf_counter() - start
            total = sum(counts.values())
            size_mb = db.stat().st_size / 1e6
            print(
                f"{rows:>10,} {total:>11,} {seconds:>8.2f} {total / seconds:>11,.0f}"
                f" {size_mb:>7.1f}"
            )
            db.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
