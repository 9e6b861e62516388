"""`martflow demo` end to end: real cookiecutter, DuckDB, dbt, sqlfluff and git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.tracker.local import LocalTracker

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def built_columns(project: Path, model: str) -> list[str]:
    """Column names of the relation dbt built for ``model``, read through the adapter."""
    with DbtProcessRunner(project, project) as runner:
        return [c["name"] for c in runner.request("columns", model=model)["columns"]]


def run_demo(target: Path) -> dict:
    result = CliRunner().invoke(cli, ["--json", "demo", str(target), "--rows", "500"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return {"code": result.exit_code, **json.loads(result.stdout)}


def test_demo_walks_demo_1_and_is_idempotent(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "martflow-demo"
    first = run_demo(target)
    states = {s["name"]: s["state"] for s in first["steps"]}
    for step in ("start", "scaffold", "lint", "build", "document", "commit", "publish"):
        assert states[step] == "succeeded", (step, first["steps"])
    assert first["code"] == 0 and first["status"] == "Done"
    assert first["comments"] == 7
    assert (target / "dashboards" / "fct_customer_orders.twbx").is_file()
    assert git(target, "branch", "--show-current") == "DEMO-1-customer-lifetime-value"
    assert git(target, "rev-list", "--count", "main..HEAD") == "1"
    committed = git(target, "show", "--name-only", "--format=%B", "HEAD")
    assert committed.startswith("DEMO-1: Customer lifetime value")
    assert "Martflow-Run: DEMO-1/" in committed
    assert "models/marts/fct_customer_orders.sql" in committed
    # The data dictionary is committed with the models, built from the manifest and catalog.
    assert "docs/data-dictionary/fct_customer_orders.md" in committed
    dictionary = (target / "docs/data-dictionary/fct_customer_orders.md").read_text()
    assert "**Purpose:** Customer lifetime value" in dictionary
    assert "- **Grain:** one row per `customers.customer_id`" in dictionary
    assert (
        "| `customer_id` | BIGINT | Grain: customers.customer\\_id. | `not_null`, `unique` |"
        in (dictionary)
    )
    assert "- `shop.customers` (source at `raw.customers`)" in dictionary
    assert "**Description:**" not in dictionary  # "DEMO-1: <summary>" says the purpose again
    assert git(target, "status", "--porcelain") == ""
    comments_before = first["comments"]
    files_before = {p: p.read_bytes() for p in (target / "models").rglob("*") if p.is_file()}

    second = run_demo(target)
    assert second["comments"] == comments_before
    assert git(target, "rev-list", "--count", "main..HEAD") == "1"
    files_after = {p: p.read_bytes() for p in (target / "models").rglob("*") if p.is_file()}
    assert files_after == files_before

    tickets = json.loads(
        CliRunner()
        .invoke(cli, ["--config", str(target / "config.toml"), "--json", "tickets"])
        .stdout
    )
    assert [t["key"] for t in tickets] == ["DEMO-3", "DEMO-2", "DEMO-1"]

    # The same ticket typed in lower case: nothing new (no branch, commit or comment).
    config = ["--config", str(target / "config.toml"), "--json"]
    branches = git(target, "branch", "--list")
    lowered = CliRunner().invoke(cli, [*config, "run", "demo-1"])
    assert lowered.exit_code == 0, lowered.stderr
    assert (json.loads(lowered.stdout)["key"], json.loads(lowered.stdout)["ran"]) == (
        "DEMO-1",
        [],
    )
    assert git(target, "branch", "--list") == branches
    assert git(target, "rev-list", "--count", "main..HEAD") == "1"
    shown = json.loads(CliRunner().invoke(cli, [*config, "show", "demo-1"]).stdout)
    assert (shown["key"], shown["status"]) == ("DEMO-1", "Done")
    assert len(shown["comments"]) == comments_before

    # Re-running from build on the Done ticket rebuilds and republishes; it stays Done.
    rerun = CliRunner().invoke(cli, [*config, "run", "demo-1", "--from", "build"])
    assert rerun.exit_code == 0, rerun.stderr
    assert json.loads(rerun.stdout)["ran"] == ["build", "document", "commit", "publish"]
    assert "status stays Done: not back to In Progress" in rerun.stderr
    moves = LocalTracker(target / ".martflow" / "tracker.db").history("DEMO-1")
    assert [to for _from, to, _at in moves] == ["In Progress", "In Review", "Done"]
    assert git(target, "rev-list", "--count", "main..HEAD") == "1"


def test_demo_dimension_builds_and_invalid_spec_asks_for_a_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "demo"
    run_demo(target)
    config = ["--config", str(target / "config.toml"), "--json"]
    runner = CliRunner()
    dimension = runner.invoke(cli, [*config, "run", "DEMO-2", "--until", "commit"])
    assert dimension.exit_code == 0, dimension.stdout
    states = {s["name"]: s["state"] for s in json.loads(dimension.stdout)["steps"]}
    done = ("start", "scaffold", "lint", "build", "document", "commit")
    assert [states[s] for s in done] == ["succeeded"] * 6
    assert (target / "models" / "marts" / "dim_products.sql").is_file()
    # Every staged column is aliased explicitly: "Product_ID" is product_id on DuckDB too.
    assert built_columns(target, "stg_shop__products") == [
        "product_id", "product_name", "category", "unit_price_cents", "is_active", "created_at",
    ]  # fmt: skip
    assert built_columns(target, "dim_products") == [
        "product_id", "product_name", "category", "unit_price_cents", "is_active",
    ]  # fmt: skip

    broken = runner.invoke(cli, [*config, "run", "DEMO-3"])
    assert broken.exit_code == 1
    assert json.loads(broken.stdout)["failed"] == "scaffold"
    again = runner.invoke(cli, [*config, "run", "DEMO-3"])
    assert again.exit_code == 1
    shown = json.loads(runner.invoke(cli, [*config, "show", "DEMO-3"]).stdout)
    asks = [c["body"] for c in shown["comments"] if "spec does not validate" in c["body"]]
    assert len(asks) == 1, shown["comments"]
    assert 'unknown key "grian"; did you mean "grain"' in asks[0]
    assert "Please fix" in asks[0]


def test_doctor_and_lint_changed_on_the_demo_repo(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    target = tmp_path / "demo"
    monkeypatch.chdir(tmp_path)
    run_demo(target)
    monkeypatch.chdir(target)
    runner = CliRunner()
    doctor = runner.invoke(cli, ["doctor", "--json"])
    checks = {c["check"]: c["ok"] for c in json.loads(doctor.stdout)}
    assert checks == {
        "config": True,
        "tracker": True,
        "statuses": True,
        "dbt project": True,
        "warehouse": True,
        "git": True,
        "default branch": True,
        "tableau": True,
        "templates": True,
        "keys": True,
    }
    assert doctor.exit_code == 0

    clean = runner.invoke(cli, ["lint", "--changed", "--base", "main", "--format", "json"])
    report = json.loads(clean.stdout)
    assert clean.exit_code == 0 and report["files"] == 5 and report["violations"] == []

    model = target / "models" / "marts" / "fct_customer_orders.sql"
    model.write_text(model.read_text().replace("select", "SELECT", 1))
    dirty = runner.invoke(cli, ["lint", "--changed", "--base", "main", "--format", "json"])
    assert dirty.exit_code == 1
    codes = {(v["path"], v["code"]) for v in json.loads(dirty.stdout)["violations"]}
    assert ("models/marts/fct_customer_orders.sql", "CP01") in codes

    config = target / "config.toml"
    config.write_text(config.read_text().replace('mode = "local"', 'mode = "server"', 1))
    broken = runner.invoke(cli, ["doctor"])
    assert broken.exit_code == 1
    lines = broken.stdout.splitlines()
    empty_url = "[tableau] server_url is empty: set it for mode = 'server'"
    assert f"FAIL  tableau sign-in: {empty_url}" in lines
    assert "SKIP  tableau project: tableau sign-in failed" in lines


def test_dry_runs_show_the_plan_and_write_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    target = tmp_path / "demo"
    monkeypatch.chdir(tmp_path)
    run_demo(target)
    monkeypatch.chdir(target)
    runner = CliRunner()

    plan = runner.invoke(cli, ["scaffold", "demo-2", "--dry-run", "--json"])
    assert plan.exit_code == 0, plan.stderr
    assert json.loads(plan.stdout)["key"] == "DEMO-2"
    files = {f["path"]: f for f in json.loads(plan.stdout)["files"]}
    mart = files["models/marts/dim_products.sql"]
    assert mart["action"] == "create"
    assert mart["diff"].startswith("--- ") and "+select distinct" in mart["diff"]
    assert not (target / "models" / "marts" / "dim_products.sql").exists()
    assert git(target, "status", "--porcelain") == ""

    again = json.loads(runner.invoke(cli, ["scaffold", "DEMO-1", "--dry-run", "--json"]).stdout)
    assert {f["action"] for f in again["files"]} == {"unchanged"}

    publish = runner.invoke(cli, ["publish", "demo-1", "--dry-run", "--json"])
    assert publish.exit_code == 0, publish.stderr
    assert json.loads(publish.stdout)["key"] == "DEMO-1"
    location = json.loads(publish.stdout)["location"]
    assert location.endswith("dashboards/fct_customer_orders.twbx")
    assert Path(json.loads(publish.stdout)["sketch"]).is_file()  # the PNG sketch
    human = runner.invoke(cli, ["publish", "DEMO-1", "--dry-run"])
    assert "|total lifetime_value" in human.stdout  # and the text sketch

    missing = runner.invoke(cli, ["scaffold", "DEMO-9", "--dry-run"])
    assert missing.exit_code == 2
    assert missing.stderr.strip() == "martflow: no such ticket DEMO-9"
