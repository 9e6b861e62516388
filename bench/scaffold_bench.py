"""Scaffold at scale: 100 staging models from warehouse tables, martflow vs dbt-coves.

Usage: .venv/bin/python bench/scaffold_bench.py [--runs N] [--tables 100] [--json PATH]

A dbt-duckdb project over a `raw` schema of --tables tables. martflow: a fresh
`martflow scaffold KEY --spec spec.yml --force` whose spec names every table (one
introspection call through the dbt adapter, every model rendered in the one process:
staging models, sources and models YAML, the joining model and the mart). dbt-coves:
a fresh `dbt-coves generate sources` over the same schema (sources YAML, staging models
and their YAML), from a throwaway venv under ~/.cache/martflow-bench (created and
reused; the figure is skipped with a note when it cannot be installed).
dbt-codegen is a dbt Hub package, not on PyPI: its row is a note when the Hub is out of
reach, as on these machines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import duckdb
from harness import BIN, Figure, bench_args, paired, report, wall

AIM = 0.5
"""Issue 16: at least 2x faster than dbt-coves from a cold start."""
PEERS_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "martflow-bench"
PEERS = ["dbt-coves", "dbt-core>=1.11,<1.12", "dbt-duckdb>=1.9,<1.12"]
"""dbt-core pinned like martflow's: the newest dbt-coves would pull a dbt that cannot install."""


def make_project(root: Path, tables: int) -> None:
    """A dbt project, a local tracker config and a warehouse of ``tables`` raw tables."""
    root.mkdir(parents=True)
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\n")
    (root / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{root / 'warehouse.duckdb'}'\n      threads: 1\n"
    )
    (root / "config.toml").write_text('[tracker]\nproject = "BENCH"\n')
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("create schema raw")
    for i in range(tables):
        con.execute(
            f"create table raw.t{i:03d} as select r as id, r % 7 as t000_id, "
            "'name ' || r as name, r * 1.5 as amount, "
            "timestamp '2024-01-01' + to_days(r::int) as created_at, r % 2 = 0 as active "
            "from range(0, 20) t(r)"
        )
    con.close()
    sources = ", ".join(f"raw.t{i:03d}" for i in range(tables))
    joins = "\n".join(f'    - "t000.id = t{i:03d}.t000_id"' for i in range(1, tables))
    (root / "spec.yml").write_text(
        "martflow:\n"
        f"  sources: [{sources}]\n"
        f"  joins:\n{joins}\n"
        "  mart: wide\n  kind: fact\n  grain: [t000.id]\n"
        "  measures:\n    - {name: row_count, expr: 'count(*)'}\n"
    )
    run([str(BIN / "martflow"), "tickets", "create", "--summary", "Wide staging"], root)


def run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def clear_models(root: Path) -> None:
    """What a run wrote, so the next one scaffolds from scratch."""
    shutil.rmtree(root / "models", ignore_errors=True)
    (root / "models").mkdir()
    (root / ".martflow" / "state.db").unlink(missing_ok=True)


def peers_venv() -> tuple[Path | None, str]:
    """dbt-coves' executable in the throwaway venv (installed on first use), or why not."""
    venv = PEERS_VENV / "peers"
    coves = venv / "bin" / "dbt-coves"
    if coves.exists():
        return coves, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", *PEERS],
            check=True,
            capture_output=True,
            timeout=1200,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"dbt-coves could not be installed: {type(exc).__name__}"
    return coves, ""


def dbt_hub_reachable() -> bool:
    try:
        urllib.request.urlopen("https://hub.getdbt.com/api/v1/index.json", timeout=5)
    except OSError:
        return False
    return True


def measure(runs: int, tables: int) -> list[Figure]:
    martflow = str(BIN / "martflow")
    coves, why = peers_venv()
    with tempfile.TemporaryDirectory(prefix="martflow-scaffold-bench-") as tmp:
        ours_root, coves_root = Path(tmp) / "ours", Path(tmp) / "coves"
        make_project(ours_root, tables)
        make_project(coves_root, tables)

        def ours() -> float:
            clear_models(ours_root)
            command = [martflow, "scaffold", "BENCH-1", "--spec", "spec.yml", "--force"]
            return wall(command, ours_root)

        def theirs() -> float:
            clear_models(coves_root)
            command = [
                str(coves),
                "generate",
                "sources",
                "--schemas",
                "raw",
                "--no-prompt",
                "--update-strategy",
                "recreate",
                "--overwrite-staging-models",
                "--flatten-json-fields",
                "no",
                "--disable-tracking",
                "--project-dir",
                str(coves_root),
                "--profiles-dir",
                str(coves_root),
            ]
            return wall(command, coves_root, env=_coves_env())

        what = f"scaffold {tables} staging models from warehouse tables, cold start"
        if coves is None:
            figures = [Figure(what, ours(), "dbt-coves generate sources", None, AIM, 1, why)]
        else:
            mine, peer = paired(ours, theirs, runs)
            made = len(list((ours_root / "models").rglob("stg_*.sql")))
            coves_made = len(list((coves_root / "models").rglob("*.sql")))
            note = f"scaffold: {made} staging models written by martflow, {coves_made} by dbt-coves"
            figures = [Figure(what, mine, "dbt-coves generate sources", peer, AIM, runs, note)]
    codegen_note = (
        "dbt Hub reachable, not measured yet"
        if dbt_hub_reachable()
        else "skipped: dbt-codegen is a dbt Hub package and the Hub is out of reach here"
    )
    figures.append(
        Figure("scaffold: dbt-codegen", None, "dbt-codegen", None, None, 0, codegen_note)
    )
    return figures


def _coves_env() -> dict[str, str]:
    return {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def main() -> None:
    args = bench_args(__doc__, tables=(int, 100))
    report(measure(args.runs, args.tables), args.json)


if __name__ == "__main__":
    main()
