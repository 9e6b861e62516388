"""`make bench`: run every bench in bench/ and print one table of all their figures.

Usage: .venv/bin/python bench/run_all.py [--runs N] [--only NAME ...]

Each `*_bench.py` built on harness.py (a martflow figure against a peer) runs in its own
process, as it would alone, and hands its figures back as JSON; the combined table names
the machine it ran on. A bench that fails is reported and the others still run. Sizing
reports without a peer (warehouse_bench.py, synthetic_sizes.py) are run alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Figure, load, machine, table

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="bench names, e.g. lint tui")
    args = parser.parse_args()
    benches = [b for b in sorted(HERE.glob("*_bench.py")) if "from harness import" in b.read_text()]
    if args.only:
        benches = [b for b in benches if b.stem.removesuffix("_bench") in args.only]
    where = machine()
    figures: list[Figure] = []
    failed: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="martflow-bench-") as tmp:
        for bench in benches:
            out = Path(tmp) / f"{bench.stem}.json"
            print(f"== {bench.name}", flush=True)
            done = subprocess.run(
                [sys.executable, str(bench), "--runs", str(args.runs), "--json", str(out)]
            )
            if done.returncode != 0 or not out.exists():
                failed.append(bench.name)
                continue
            figures.extend(load(out))
    print(f"\nmartflow benches, medians of {args.runs} runs ({time.monotonic() - started:.0f} s)")
    print(f"machine: {where}\n")
    print(table(figures))
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
