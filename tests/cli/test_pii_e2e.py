"""Governed staging end to end on DuckDB: a ticket naming PII columns runs every step, and
no raw value of them is anywhere it could leak; the salt is nowhere on disk or in output.

The CLI runs as a child process (as a user runs it): the salt reaches it only through its
environment, and everything it prints is searched.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.context import AppContext
from martflow.core.spec import extract_spec_text, parse_spec
from martflow.services.mart_preview import mart_preview
from tests.tableau.conftest import read_hyper

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

SALT = "pepper-8c1f 'quoted' \\back"
TICKET = """\
Sales wants each customer's order count with contact details, governed.

```yaml
martflow:
  sources: [shop.customers, shop.orders]
  joins: [orders.customer_id = customers.customer_id]
  mart: customer_contacts
  kind: fact
  grain: [customers.customer_id]
  dimensions: [customers.email, customers.last_name, customers.country]
  measures:
    - {name: order_count, expr: "count(distinct orders.order_id)"}
  pii: [customers.email, customers.last_name]
```
"""


def martflow(
    repo: Path, *args: str, salt: str | None = SALT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI as a child process, given the salt (and ``env``) in its environment."""
    hidden = {"MARTFLOW_CONFIG", "MARTFLOW_PII_SALT"}
    env = {**{k: v for k, v in os.environ.items() if k not in hidden}, **(env or {})}
    if salt is not None:
        env["MARTFLOW_PII_SALT"] = salt
    return subprocess.run(
        [sys.executable, "-m", "martflow", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's repo and data, with the models DEMO-1 built from customers dropped (its
    spec named no PII), and a ticket naming customers.email and customers.last_name as PII."""
    root = tmp_path_factory.mktemp("pii")
    repo = root / "demo"
    result = CliRunner().invoke(cli, ["--json", "demo", str(repo), "--rows", "300"])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(repo / "warehouse.duckdb")) as con:
        for name, kind in con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'main' and table_name like '%customer%'"
        ).fetchall():
            con.execute(f'drop {"view" if kind == "VIEW" else "table"} main."{name}"')
    file_ticket(repo)
    return repo


def file_ticket(repo: Path, env: dict[str, str] | None = None) -> None:
    """File the PII ticket (DEMO-4) in the repo's tracker."""
    description = repo.parent / "ticket.md"
    description.write_text(TICKET)
    args = ["tickets", "create", "--summary", "Customer contacts"]
    created = martflow(repo, *args, "--description-file", str(description), env=env)
    assert created.returncode == 0, created.stderr


def raw_values(repo: Path) -> set[str]:
    """Every raw e-mail address and last name, as landed (and trimmed, lower-cased)."""
    with duckdb.connect(str(repo / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute('select "EMAIL", "last_name " from raw.customers').fetchall()
    values = {v for row in rows for v in row if v}
    return values | {v.strip().lower() for v in values}


def built_text(repo: Path) -> list[str]:
    """Every text value of every table and view outside the raw schema."""
    found = []
    with duckdb.connect(str(repo / "warehouse.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema <> 'raw' and data_type = 'VARCHAR'"
        ).fetchall()
        assert columns
        for schema, table, column in columns:
            found += [
                v for (v,) in con.execute(f'select "{column}" from "{schema}"."{table}"').fetchall()
            ]
    return [v for v in found if v]


def test_missing_salt_is_one_line_naming_the_variable_and_writes_nothing(demo_repo: Path):
    before = subprocess.run(
        ["git", "status", "--porcelain"], cwd=demo_repo, capture_output=True, text=True
    ).stdout
    dry = martflow(demo_repo, "scaffold", "DEMO-4", "--dry-run", salt=None)
    assert dry.returncode == 2 and not dry.stdout
    assert dry.stderr.startswith("martflow: customers.last_name is personal data")
    assert dry.stderr.count("\n") == 1 and "set MARTFLOW_PII_SALT" in dry.stderr
    # The step itself fails the same way, after its progress lines, and writes nothing.
    result = martflow(demo_repo, "scaffold", "DEMO-4", "--force", salt=None)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("martflow: ") and "set MARTFLOW_PII_SALT" in last, result.stderr
    assert "Traceback" not in result.stderr
    after = subprocess.run(
        ["git", "status", "--porcelain"], cwd=demo_repo, capture_output=True, text=True
    ).stdout
    assert after == before
    assert not (demo_repo / "models/marts/fct_customer_contacts.sql").exists()


def test_pii_never_leaves_staging_raw_and_the_salt_is_nowhere(demo_repo: Path):
    dry = martflow(demo_repo, "--json", "scaffold", "DEMO-4", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    notes = json.loads(dry.stdout)["governance"]
    assert "customers.email: personal data, salted hash (MARTFLOW_PII_SALT)" in notes
    assert any(n.startswith("customers.country: category, trimmed and lower-cased") for n in notes)

    run = martflow(demo_repo, "--json", "run", "DEMO-4")
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = [dry.stdout, dry.stderr, run.stdout, run.stderr]

    # The staging model hashes with the adapter's macro and reads the salt by name.
    staged = (demo_repo / "models/staging/shop/stg_shop__customers.sql").read_text()
    assert "dbt.hash(dbt.concat" in staged and "getvariable('martflow_pii_salt')" in staged
    models_yml = (demo_repo / "models/staging/shop/_shop__models.yml").read_text()
    assert "pii_treatment: hash" in models_yml and "accepted_values" in models_yml

    # No raw value in any built table or view...
    raw = raw_values(demo_repo)
    assert len(raw) > 50
    built = built_text(demo_repo)
    assert not [v for v in built if v in raw or any(r in v for r in raw if "@" in r)]
    # ...and each hash is md5 of the salt and the raw value: salted, with the real salt.
    with duckdb.connect(str(demo_repo / "warehouse.duckdb"), read_only=True) as con:
        pairs = con.execute(
            'select distinct raw."EMAIL", built.email from raw.customers as raw '
            'join main.fct_customer_contacts as built on raw."Customer ID" = built.customer_id'
        ).fetchall()
    assert len(pairs) > 20
    for email, hashed in pairs:
        expected = hashlib.md5((SALT + email).encode()).hexdigest() if email else None
        assert hashed == expected

    # ...nor in the preview, the Tableau extract, the tracker's comments or the dictionary.
    shown_ticket = martflow(demo_repo, "--json", "show", "DEMO-4")
    document = json.loads(shown_ticket.stdout)
    comments = [c["body"] for c in document["comments"]]
    outputs.append(shown_ticket.stdout)
    context = AppContext.load(demo_repo / "config.toml")
    try:
        preview = mart_preview(context, parse_spec(extract_spec_text(TICKET) or ""))
        shown = [str(v) for row in preview.rows for v in row]
    finally:
        context.close()
    assert shown and not [v for v in shown if v in raw]
    twbx = demo_repo / "dashboards" / "fct_customer_contacts.twbx"
    with zipfile.ZipFile(twbx) as archive:
        hyper_name = next(n for n in archive.namelist() if n.endswith(".hyper"))
        hyper = demo_repo.parent / "extract.hyper"
        hyper.write_bytes(archive.read(hyper_name))
    _, rows = read_hyper(hyper, demo_repo.parent / "hyperlogs")
    assert rows and not [v for row in rows for v in row if isinstance(v, str) and v in raw]
    dictionary = (demo_repo / "docs/data-dictionary/fct_customer_contacts.md").read_text()
    assert "Personal data (PII, hashed in staging)" in dictionary
    assert comments and not [r for r in raw if any(r in body for body in comments)]

    # The salt is in no file of the repository (target/, logs/, .martflow, the warehouse),
    # no commit, and no output.
    for path in demo_repo.rglob("*"):
        if path.is_file():
            assert SALT.encode() not in path.read_bytes(), path
    history = subprocess.run(
        ["git", "log", "--all", "-p", "--format=%B"], cwd=demo_repo, capture_output=True
    ).stdout
    assert SALT.encode() not in history
    assert not [o for o in outputs if SALT in o]
