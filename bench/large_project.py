"""A large dbt-duckdb project shaped like a real one, for the benches and the scale tests.

Usage: .venv/bin/python bench/large_project.py DIR [--sources 200] [--models 2000]

``--sources`` raw tables in 20 source systems (a schema each, a few rows per table), and
``--models`` models in dbt Labs' layout:

- staging: one ``stg_<system>__<table>`` view per source table, declared in the system's
  ``_<system>__sources.yml``; ``unique`` and ``not_null`` on its key
- intermediate (half of the rest): ``int_<domain>__<n>`` views joining two staging models
  on ``customer_id``; ``not_null`` on its key
- marts (the other half): ``fct_<domain>__<n>`` tables grouping an intermediate model by
  customer; ``unique`` and ``not_null`` on the grain

Every model has tests, as the issue asks ("tests on each"). The project is also a martflow
repo: ``config.toml`` (local tracker, DuckDB warehouse), the ``.sqlfluff`` and lint
stand-ins `martflow init` writes, a few tickets, git with everything committed. A ticket's
build selects ``+<LargeProject.ticket_mart>`` (a mart, its intermediate and staging models).
"""

from __future__ import annotations

import argparse
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from martflow.project_scaffold.init import TEMPLATE_DIR
from martflow.project_scaffold.lint_library import write_library

SQLFLUFF = TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / ".sqlfluff"
"""The .sqlfluff `martflow init` writes: the project lints as a martflow repo does."""

SYSTEMS = (
    "shop", "crm", "billing", "web", "ads", "support", "hr", "erp", "app", "geo",
    "risk", "ledger", "mail", "search", "inventory", "logistics", "payroll", "survey",
    "partners", "events",
)  # fmt: skip
DOMAINS = ("finance", "marketing", "product", "operations", "people")
COLUMNS = ("id", "customer_id", "status", "amount", "created_at")
ROWS_PER_TABLE = 20
TICKETS = tuple(
    (summary, f"{summary}: a ticket of the large project.")
    for summary in (
        "Lifetime value per customer",
        "Weekly active customers",
        "Refund rate by channel",
        "Open support cases",
        "Headcount by team",
    )
)
"""(summary, description) of the tickets the project's tracker holds."""


@dataclass(frozen=True)
class LargeProject:
    """Where the generated project is and what it holds."""

    root: Path
    sources: int
    staging: int
    intermediate: int
    marts: int
    tests: int

    @property
    def models(self) -> int:
        return self.staging + self.intermediate + self.marts

    @property
    def ticket_mart(self) -> str:
        """A mart whose ancestors are what one ticket's build selects (``+<mart>``)."""
        return mart_name(0)


def mart_name(index: int) -> str:
    return f"fct_{DOMAINS[index % len(DOMAINS)]}__{index:04d}"


def intermediate_name(index: int) -> str:
    return f"int_{DOMAINS[index % len(DOMAINS)]}__{index:04d}"


def source_tables(sources: int) -> list[tuple[str, str]]:
    """(system, table) of every raw table, spread over the systems."""
    return [(SYSTEMS[i % len(SYSTEMS)], f"table_{i:04d}") for i in range(sources)]


def generate(
    root: Path,
    sources: int = 200,
    models: int = 2000,
    tickets: Sequence[tuple[str, str]] = TICKETS,
) -> LargeProject:
    """Write the project into ``root`` (created; must not exist or be empty)."""
    if models < sources + 2:
        raise ValueError("models must exceed sources by at least 2 (intermediate and mart)")
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise ValueError(f"{root} is not empty")
    tables = source_tables(sources)
    intermediate = (models - sources) // 2
    marts = models - sources - intermediate
    _warehouse(root / "warehouse.duckdb", tables)
    _project_files(root, sorted({s for s, _ in tables}))
    tests = _staging(root, tables)
    tests += _intermediate(root, tables, intermediate)
    tests += _marts(root, intermediate, marts)
    file_tickets(root, tickets)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{models} models on {sources} sources")
    return LargeProject(root, sources, sources, intermediate, marts, tests)


def _warehouse(path: Path, tables: list[tuple[str, str]]) -> None:
    con = duckdb.connect(str(path))
    try:
        for system in sorted({s for s, _ in tables}):
            con.execute(f"create schema raw_{system}")
        for system, table in tables:
            con.execute(
                f"create table raw_{system}.{table} as select i as id, i % 7 as customer_id, "
                "'status ' || (i % 3) as status, i * 1.5 as amount, "
                "timestamp '2024-01-01' + to_days(i) as created_at "
                f"from range({ROWS_PER_TABLE}) t(i)"
            )
    finally:
        con.close()


def _project_files(root: Path, systems: list[str]) -> None:
    (root / "dbt_project.yml").write_text(
        "name: large\nversion: '1.0'\nprofile: large\nmodel-paths: ['models']\n"
        "models:\n  large:\n    marts:\n      +materialized: table\n"
    )
    (root / "profiles.yml").write_text(
        "large:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: warehouse.duckdb\n      threads: 1\n"
    )
    schemas = ", ".join(f'{system} = "raw_{system}"' for system in systems)
    (root / "config.toml").write_text(
        '[tracker]\nkind = "local"\nproject = "BIG"\n\n[dbt]\nproject_dir = "."\n'
        f'profiles_dir = "."\n\n[scaffold]\nsource_schemas = {{ {schemas} }}\n\n'
        '[lint]\ndialect = "duckdb"\n'
    )
    (root / ".sqlfluff").write_text(
        SQLFLUFF.read_text().replace("{{ cookiecutter.dialect }}", "duckdb")
    )
    (root / "macros").mkdir()
    write_library(root, "duckdb")
    (root / ".gitignore").write_text(
        "target/\nlogs/\n.martflow/\nwarehouse.duckdb\nwarehouse.duckdb.wal\n"
    )


def _staging(root: Path, tables: list[tuple[str, str]]) -> int:
    by_system: dict[str, list[str]] = {}
    for system, table in tables:
        by_system.setdefault(system, []).append(table)
    for system, names in by_system.items():
        folder = root / "models" / "staging" / system
        folder.mkdir(parents=True)
        listed = "".join(f"      - name: {t}\n" for t in names)
        (folder / f"_{system}__sources.yml").write_text(
            f"version: 2\nsources:\n  - name: {system}\n    schema: raw_{system}\n"
            f"    tables:\n{listed}"
        )
        tested = "".join(
            f"  - name: stg_{system}__{t}\n    columns:\n      - name: {t}_id\n"
            "        data_tests: [unique, not_null]\n"
            for t in names
        )
        (folder / f"_{system}__models.yml").write_text(f"version: 2\nmodels:\n{tested}")
        for table in names:
            (folder / f"stg_{system}__{table}.sql").write_text(
                "with source as (\n\n"
                f"    select * from {{{{ source('{system}', '{table}') }}}}\n\n"
                "),\n\nrenamed as (\n\n    select\n"
                f"        id as {table}_id,\n        customer_id,\n        status,\n"
                "        cast(amount as decimal(18, 2)) as amount,\n        created_at\n"
                "    from source\n\n)\n\nselect * from renamed\n"
            )
    return 2 * len(tables)


def _intermediate(root: Path, tables: list[tuple[str, str]], count: int) -> int:
    staging = [f"stg_{system}__{table}" for system, table in tables]
    for domain in DOMAINS:
        (root / "models" / "intermediate" / domain).mkdir(parents=True)
    tested: dict[str, list[str]] = {d: [] for d in DOMAINS}
    for i in range(count):
        name = intermediate_name(i)
        left, right = staging[i % len(staging)], staging[(i * 7 + 1) % len(staging)]
        left_key = left.split("__")[1] + "_id"
        domain = DOMAINS[i % len(DOMAINS)]
        (root / "models" / "intermediate" / domain / f"{name}.sql").write_text(
            f"select\n    l.{left_key} as record_id,\n    l.customer_id,\n    l.amount,\n"
            "    r.status\n"
            f"from {{{{ ref('{left}') }}}} as l\n"
            f"left join {{{{ ref('{right}') }}}} as r on l.customer_id = r.customer_id\n"
        )
        tested[domain].append(name)
    for domain, names in tested.items():
        _properties(root / "models" / "intermediate" / domain, domain, names, "record_id", False)
    return count


def _marts(root: Path, intermediate: int, count: int) -> int:
    for domain in DOMAINS:
        (root / "models" / "marts" / domain).mkdir(parents=True)
    tested: dict[str, list[str]] = {d: [] for d in DOMAINS}
    for i in range(count):
        name, domain = mart_name(i), DOMAINS[i % len(DOMAINS)]
        (root / "models" / "marts" / domain / f"{name}.sql").write_text(
            "select\n    customer_id,\n    count(*) as record_count,\n"
            "    sum(amount) as total_amount\n"
            f"from {{{{ ref('{intermediate_name(i % intermediate)}') }}}}\n"
            "group by customer_id\n"
        )
        tested[domain].append(name)
    for domain, names in tested.items():
        _properties(root / "models" / "marts" / domain, domain, names, "customer_id", True)
    return 2 * count


def _properties(folder: Path, domain: str, names: list[str], key: str, unique: bool) -> None:
    tests = "[unique, not_null]" if unique else "[not_null]"
    body = "".join(
        f"  - name: {n}\n    columns:\n      - name: {key}\n        data_tests: {tests}\n"
        for n in names
    )
    (folder / f"_{domain}__models.yml").write_text(f"version: 2\nmodels:\n{body}")


def file_tickets(root: Path, tickets: Sequence[tuple[str, str]]) -> None:
    """File (summary, description) tickets in the martflow repo's tracker."""
    from martflow.context import AppContext

    context = AppContext.load(root / "config.toml")
    try:
        for summary, description in tickets:
            context.tracker.create_ticket(summary, description)
    finally:
        context.close()


def git(root: Path, *args: str) -> None:
    """Run git in ``root`` as a bench user."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--models", type=int, default=2000)
    args = parser.parse_args()
    made = generate(args.directory, args.sources, args.models)
    print(
        f"{made.root}: {made.sources} sources, {made.staging} staging, "
        f"{made.intermediate} intermediate, {made.marts} marts ({made.models} models), "
        f"{made.tests} tests; a ticket's build: +{made.ticket_mart}"
    )


if __name__ == "__main__":
    main()
