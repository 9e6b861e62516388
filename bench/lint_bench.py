"""Bench: sqlfluff over a whole 500-model project vs martflow's changed-only, cached lint.

Run with the project's venv: ``.venv/bin/python bench/lint_bench.py [--models 500]``.
Every timed row is a fresh process, interpreter start included, as a CLI call would be.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from martflow.project_scaffold.init import TEMPLATE_DIR

SHIPPED_SQLFLUFF = TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / ".sqlfluff"
SQLFLUFF_CONFIG = SHIPPED_SQLFLUFF.read_text().replace("{{ cookiecutter.dialect }}", "duckdb")
"""The .sqlfluff `martflow init` writes: the bench lints what users lint."""

SOURCES = ["shop", "crm", "billing", "web", "ads", "support", "hr", "erp", "app", "geo"]
COLUMNS = ["id", "created_at", "updated_at", "status", "amount", "customer_id", "country", "note"]
CASTS = {"created_at": "timestamp", "updated_at": "timestamp", "amount": "decimal(18, 2)"}

# What `martflow lint --changed --format json` will do, run in a fresh interpreter.
API_RUN = """
import sys
from pathlib import Path
from martflow.core.lint_format import render
from martflow.integrations.lint import SqlfluffLinter
project = Path(sys.argv[1])
linter = SqlfluffLinter(project, cache_dir=project / ".martflow" / "lint-cache", processes=2)
report = linter.lint_changed() if sys.argv[2] == "changed" else linter.lint([])
sys.stdout.write(render(report, "json"))
"""


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


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def build_project(root: Path, models: int) -> list[Path]:
    """The dbt project on a branch that changed 5 models; returns every model path."""
    (root / "dbt_project.yml").write_text("name: bench\nversion: '1.0'\nmodel-paths: ['models']\n")
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
    git(root, "commit", "-q", "-m", "500 staging models")
    git(root, "checkout", "-q", "-b", "feature")
    for path in paths[1:500:100][:5]:
        path.write_text(
            path.read_text().replace("from source", "from source\n    where id is not null")
        )
    git(root, "commit", "-q", "-am", "filter nulls in 5 models")
    return paths


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done.stdout


def summary(stdout: str) -> str:
    report = json.loads(stdout)
    return f"{report['files']} files, {len(report['violations'])} violations"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=500)
    args = parser.parse_args()
    python = sys.executable
    sqlfluff = str(Path(python).parent / "sqlfluff")
    with tempfile.TemporaryDirectory(prefix="martflow-lint-bench-") as tmp:
        root = Path(tmp)
        build_project(root, args.models)
        rows = []
        t, out = timed([sqlfluff, "lint", "models/", "--processes", "2", "--format", "json"], root)
        sqlfluff_files = len(json.loads(out))
        rows.append(("(a) sqlfluff lint models/ --processes 2", t, f"{sqlfluff_files} files"))
        t_changed, out = timed([python, "-c", API_RUN, str(root), "changed"], root)
        rows.append(("(b) martflow lint --changed (cold cache)", t_changed, summary(out)))
        t, out = timed([python, "-c", API_RUN, str(root), "changed"], root)
        rows.append(("(c) martflow lint --changed (warm cache)", t, summary(out)))
        t, out = timed([python, "-c", API_RUN, str(root), "all"], root)
        rows.append(("    martflow lint, whole project, cold cache", t, summary(out)))
        t, out = timed([python, "-c", API_RUN, str(root), "all"], root)
        rows.append(("(d) martflow lint, whole project, warm cache", t, summary(out)))

    width = max(len(r[0]) for r in rows)
    print(f"{'run':<{width}}  {'seconds':>8}  result")
    for name, seconds, result in rows:
        print(f"{name:<{width}}  {seconds:>8.2f}  {result}")
    print(f"\nspeedup of (b) over (a): {rows[0][1] / t_changed:.1f}x")


if __name__ == "__main__":
    main()
