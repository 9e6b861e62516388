"""Lint: `martflow lint --changed` vs `sqlfluff lint` on the same files, and a whole project.

Usage: .venv/bin/python bench/lint_bench.py [--runs N] [--models 100] [--json PATH]

A git project of staging models (the .sqlfluff `martflow init` writes) on a branch that
changed 5 of them. Every timed run is a fresh process of the console script, as in a
pre-commit hook or CI:
- 5 changed models, cold cache: `martflow lint --changed` vs `sqlfluff lint` of the 5 files
- the same, warm cache (martflow's result cache answers)
- the whole project, cold: `martflow lint` vs `sqlfluff lint models/ --processes <cores>`
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from harness import BIN, Figure, bench_args, paired, report, wall
from large_project import git

from martflow.project_scaffold.init import TEMPLATE_DIR

SHIPPED_SQLFLUFF = TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / ".sqlfluff"
SQLFLUFF_CONFIG = SHIPPED_SQLFLUFF.read_text().replace("{{ cookiecutter.dialect }}", "duckdb")
"""The .sqlfluff `martflow init` writes: the bench lints what users lint."""

SOURCES = ["shop", "crm", "billing", "web", "ads", "support", "hr", "erp", "app", "geo"]
COLUMNS = ["id", "created_at", "updated_at", "status", "amount", "customer_id", "country", "note"]
CASTS = {"created_at": "timestamp", "updated_at": "timestamp", "amount": "decimal(18, 2)"}
CHANGED = 5
LINT_EXIT = (0, 1)
"""Both tools exit 1 when they find something; every 20th model has a finding."""


def staging_model(source: str, table: str, index: int) -> str:
    """A dbt Labs-style staging model; every 20th one has a lint problem."""
    columns = COLUMNS[: 4 + index % 5]
    lines = []
    for col in columns:
        renamed = f"{table}_id" if col == "id" else col
        expr = f"cast({col} as {CASTS[col]})" if col in CASTS else col
        lines.append(f"{expr} as {renamed}" if expr != renamed else col)
    select_list = ",\n        ".join(lines)
    sql = (
        "with source as (\n"
        f"    select * from {{{{ source('{source}', '{table}') }}}}\n"
        "),\n\n"
        "renamed as (\n"
        "    select\n"
        f"        {select_list}\n"
        "    from source\n"
        ")\n\n"
        "select * from renamed\n"
    )
    return sql.replace("select * from renamed", "SELECT * FROM renamed") if index % 20 == 0 else sql


def build_project(root: Path, models: int) -> list[Path]:
    """The project on a branch that changed CHANGED models; returns the changed paths."""
    (root / "dbt_project.yml").write_text("name: bench\nversion: '1.0'\nmodel-paths: ['models']\n")
    (root / "config.toml").write_text('[tracker]\nproject = "BENCH"\n')
    (root / ".sqlfluff").write_text(SQLFLUFF_CONFIG)
    (root / "macros").mkdir(exist_ok=True)  # the shipped .sqlfluff loads macros from here
    (root / ".gitignore").write_text("target/\n.martflow/\n")
    paths = []
    for i in range(models):
        source = SOURCES[i % len(SOURCES)]
        table = f"table_{i:04d}"
        path = root / "models" / "staging" / source / f"stg_{source}__{table}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(staging_model(source, table, i))
        paths.append(path)
    git(root, "init", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{models} staging models")
    git(root, "checkout", "-q", "-b", "feature")
    step = max(1, models // CHANGED)
    changed = paths[1::step][:CHANGED]
    for path in changed:
        path.write_text(
            path.read_text().replace("from source", "from source\n    where id is not null")
        )
    git(root, "commit", "-q", "-am", f"filter nulls in {CHANGED} models")
    return changed


def measure(runs: int, models: int) -> list[Figure]:
    martflow = str(BIN / "martflow")
    sqlfluff = str(BIN / "sqlfluff")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="martflow-lint-bench-") as tmp:
        root = Path(tmp)
        changed = [str(p.relative_to(root)) for p in build_project(root, models)]
        cache = root / ".martflow" / "lint-cache"

        def ours(*args: str, cold: bool) -> float:
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            return wall([martflow, "lint", *args, "--format", "json"], root, ok=LINT_EXIT)

        def theirs(*args: str) -> float:
            return wall([sqlfluff, "lint", *args, "--format", "json"], root, ok=LINT_EXIT)

        cold = paired(lambda: ours("--changed", cold=True), lambda: theirs(*changed), runs)
        ours("--changed", cold=True)  # fills the cache for the warm runs
        warm = paired(lambda: ours("--changed", cold=False), lambda: theirs(*changed), runs)
        whole = paired(
            lambda: ours(cold=True),
            lambda: theirs("models/", "--processes", str(cores)),
            runs,
            warmup=0,
        )
    peer = f"sqlfluff lint of the {CHANGED} files"
    return [
        Figure(f"`lint --changed`, {CHANGED} models, cold cache", *_pair(cold, peer), 1.0, runs),
        Figure(f"`lint --changed`, {CHANGED} models, warm cache", *_pair(warm, peer), 0.3, runs),
        Figure(
            f"`lint` of a {models}-model project, cold cache",
            *_pair(whole, f"sqlfluff lint models/ --processes {cores}"),
            1.0,
            runs,
        ),
    ]


def _pair(medians: tuple[float, float], peer: str) -> tuple[float, str, float]:
    return medians[0], peer, medians[1]


def main() -> None:
    args = bench_args(__doc__, models=(int, 100))
    report(measure(args.runs, args.models), args.json)


if __name__ == "__main__":
    main()
