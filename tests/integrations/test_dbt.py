"""DbtProcessRunner against a real dbt-duckdb project in a worker process."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from martflow.errors import DbtError
from martflow.integrations.dbt import DbtProcessRunner
from martflow.integrations.dbt_env import worker_env
from tests.integrations.conftest import CHAIN, make_dbt_project

F = Callable[..., Any]


def worker_test(fn: F) -> F:
    """Slow, and in one xdist group so tests sharing a warm worker run in one process."""
    return pytest.mark.slow(pytest.mark.xdist_group("dbt_worker")(fn))


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, DbtProcessRunner]]:
    """One project and one worker shared by the read-mostly tests of this module.

    The parent holds tracker/Tableau secrets while the worker starts, as the TUI would.
    """
    project = make_dbt_project(tmp_path_factory.mktemp("warm") / "shop")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIRA_API_TOKEN", "jira-secret-value")
        mp.setenv("TABLEAU_TOKEN_SECRET", "tableau-secret-value")
        mp.setenv("DBT_MARTFLOW_PROBE", "present")
        dbt = DbtProcessRunner(project, project)
        dbt.start()
    with dbt:
        # Previews read built relations: build the models the read tests look at.
        dbt.build(["env_probe", "stg_shop__orders", "stg_shop__customers"])
        yield project, dbt


def test_worker_env_keeps_only_the_allow_list() -> None:
    parent = {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "LANG": "C.UTF-8",
        "LC_ALL": "C",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": "/evil",
        "VIRTUAL_ENV": "/venv",
        "DBT_PROFILES_DIR": "/p",
        "DBT_ENV_SECRET_PASSWORD": "pw",
        "DBT_CLOUD_TOKEN": "t",
        "JIRA_API_TOKEN": "j",
        "TABLEAU_TOKEN_SECRET": "s",
        "AWS_SECRET_ACCESS_KEY": "a",
    }
    env = worker_env(parent, {"SNOWFLAKE_PASSWORD": "given"})
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "LANG": "C.UTF-8",
        "LC_ALL": "C",
        "PYTHONHASHSEED": "0",
        "VIRTUAL_ENV": "/venv",
        "DBT_PROFILES_DIR": "/p",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "SNOWFLAKE_PASSWORD": "given",
    }


def test_invalid_mart_name_is_refused_before_dbt(tmp_path: Path) -> None:
    dbt = DbtProcessRunner(tmp_path, tmp_path)
    with pytest.raises(DbtError, match="invalid mart model name"):
        dbt.build(["x"], mart="x') }}{{ env_var('JIRA_API_TOKEN')")
    assert dbt.pid is None


@worker_test
def test_build_reports_models_tests_times_and_mart_rows(
    warm: tuple[Path, DbtProcessRunner],
) -> None:
    _, dbt = warm
    events: list[str] = []
    report = dbt.build([CHAIN], mart="fct_customer_orders", on_event=events.append)

    by_name = {n.name: n for n in report.nodes}
    assert {n.name for n in report.nodes if n.resource_type == "model"} == {
        "stg_shop__orders",
        "stg_shop__customers",
        "int_customer_orders__joined",
        "fct_customer_orders",
    }
    tests = [n for n in report.nodes if n.resource_type == "test"]
    assert len(tests) == 4
    assert all(n.status == "pass" for n in tests)
    assert by_name["fct_customer_orders"].status == "success"
    assert by_name["fct_customer_orders"].unique_id == "model.shop.fct_customer_orders"
    assert all(n.execution_time > 0 for n in report.nodes)
    assert report.failures == ()
    assert report.mart_rows == 5
    # dbt-duckdb reports no rows_affected: the worker counts each built model.
    assert {n.name: n.rows for n in report.nodes if n.resource_type == "model"} == {
        "stg_shop__orders": 20,
        "stg_shop__customers": 5,
        "int_customer_orders__joined": 20,
        "fct_customer_orders": 5,
    }
    assert all(n.rows is None for n in tests)
    # Each test in words, as the build comment lists it.
    checks = {n.name: n.check for n in tests}
    assert checks["unique_fct_customer_orders_customer_id"] == (
        "customer_id is unique in fct_customer_orders"
    )
    assert checks["not_null_stg_shop__orders_order_id"] == (
        "order_id is never empty in stg_shop__orders"
    )
    assert all(n.failures == 0 and n.query == "" for n in tests)
    assert report.invocation_id
    assert any("START" in e and "fct_customer_orders" in e for e in events)
    assert any("PASS" in e and "unique_fct_customer_orders_customer_id" in e for e in events)
    assert all("\n" not in e for e in events)


@worker_test
def test_second_build_reuses_worker_and_ignores_stale_run_results(
    warm: tuple[Path, DbtProcessRunner],
) -> None:
    project, dbt = warm
    first = dbt.build([CHAIN])
    pid = dbt.pid
    parses = dbt.commands.count("parse")
    stale = {
        "metadata": {"invocation_id": "stale-invocation"},
        "results": [{"unique_id": "model.shop.ghost", "status": "error"}],
    }
    (project / "target" / "run_results.json").write_text(json.dumps(stale))

    second = dbt.build(["stg_shop__orders"])

    assert dbt.pid == pid
    assert dbt.commands.count("parse") == parses  # the parsed manifest was reused
    assert second.invocation_id not in {"stale-invocation", first.invocation_id}
    assert {n.unique_id.split(".")[2] for n in second.nodes} == {
        "stg_shop__orders",
        "unique_stg_shop__orders_order_id",
        "not_null_stg_shop__orders_order_id",
    }
    on_disk = json.loads((project / "target" / "run_results.json").read_text())
    assert on_disk["metadata"]["invocation_id"] == second.invocation_id
    # The build's results, not those of the row count that followed it.
    assert {r["unique_id"] for r in on_disk["results"]} == {n.unique_id for n in second.nodes}


@worker_test
def test_tracker_and_tableau_secrets_do_not_reach_dbt(
    warm: tuple[Path, DbtProcessRunner],
) -> None:
    _, dbt = warm
    assert os.environ.get("JIRA_API_TOKEN") != "jira-secret-value"  # only set at spawn
    columns, rows = dbt.show("env_probe")
    assert columns == ["jira_token", "tableau_secret", "dbt_probe"]
    assert rows == [("absent", "absent", "present")]


@worker_test
def test_show_returns_columns_and_limited_rows(warm: tuple[Path, DbtProcessRunner]) -> None:
    _, dbt = warm
    columns, rows = dbt.show("stg_shop__customers", limit=3)
    assert columns == ["customer_id", "first_name"]
    assert len(rows) == 3
    assert {r[1] for r in rows} <= {f"first{i}" for i in range(5)}


@worker_test
def test_failing_test_is_in_the_report_not_raised(
    dbt_project: Path, runner: DbtProcessRunner
) -> None:
    (dbt_project / "tests").mkdir()
    (dbt_project / "tests" / "assert_customer_ids_below_3.sql").write_text(
        "select * from {{ ref('stg_shop__orders') }} where customer_id > 2\n"
    )
    report = runner.build([CHAIN], mart="fct_customer_orders")

    [failed] = report.failures
    assert failed.name == "assert_customer_ids_below_3"
    assert failed.status == "fail"
    assert "Got 8 results" in failed.message
    assert failed.check == "assert_customer_ids_below_3"  # a singular test: its own name
    assert failed.failures == 8
    assert "where customer_id > 2" in failed.query  # the rows failing it, compiled
    skipped = {n.name for n in report.nodes if n.status == "skipped"}
    assert "fct_customer_orders" in skipped
    assert report.mart_rows is None


@worker_test
def test_compile_error_raises_dbt_error_then_recovers(
    dbt_project: Path, runner: DbtProcessRunner
) -> None:
    runner.build(["stg_shop__orders"])
    pid = runner.pid
    stale = {"metadata": {"invocation_id": "stale"}, "results": []}
    run_results = dbt_project / "target" / "run_results.json"
    run_results.write_text(json.dumps(stale))
    broken = dbt_project / "models" / "stg_shop__orders.sql"
    good_sql = broken.read_text()
    broken.write_text("select {{ ref( }} from raw.orders\n")

    with pytest.raises(DbtError) as caught:
        runner.build(["stg_shop__orders"])
    message = str(caught.value)
    assert "\n" not in message
    assert "stg_shop__orders" in message
    assert json.loads(run_results.read_text()) == stale  # a reader of the file would be fooled

    broken.write_text(good_sql)
    report = runner.build(["stg_shop__orders"])
    assert report.failures == ()
    assert runner.pid == pid


@worker_test
def test_project_dbt_modules_are_not_imported(dbt_project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "evil-imported"
    (dbt_project / "dbt_evil.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
    )
    (dbt_project / "dbt_evil_pkg").mkdir()
    (dbt_project / "dbt_evil_pkg" / "__init__.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
    )
    with DbtProcessRunner(dbt_project, dbt_project) as dbt:
        report = dbt.build(["stg_shop__orders"])
    assert report.failures == ()
    assert not marker.exists()


@worker_test
def test_killed_worker_is_restarted_on_the_next_call(runner: DbtProcessRunner) -> None:
    runner.build(["stg_shop__orders"])
    old_pid = runner.pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)

    report = runner.build(["stg_shop__orders"])

    assert report.failures == ()
    assert runner.pid not in {None, old_pid}


@worker_test
def test_missing_profile_is_a_dbt_error(tmp_path: Path) -> None:
    project = make_dbt_project(tmp_path / "shop")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text("other:\n  target: dev\n  outputs: {}\n")
    with DbtProcessRunner(project, profiles) as dbt, pytest.raises(DbtError) as caught:
        dbt.build(["stg_shop__orders"])
    assert "shop" in str(caught.value)
    assert "\n" not in str(caught.value)


@worker_test
def test_close_ends_the_worker(runner: DbtProcessRunner) -> None:
    runner.start()
    pid = runner.pid
    assert pid is not None
    runner.close()
    assert runner.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@worker_test
def test_calls_from_threads_are_serialized(warm: tuple[Path, DbtProcessRunner]) -> None:
    _, dbt = warm
    results: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}

    def preview(model: str) -> None:
        results[model] = dbt.show(model, limit=2)

    threads = [
        threading.Thread(target=preview, args=(m,))
        for m in ("stg_shop__orders", "stg_shop__customers", "env_probe")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["stg_shop__orders"][0] == ["order_id", "customer_id", "amount"]
    assert results["stg_shop__customers"][0] == ["customer_id", "first_name"]
    assert results["env_probe"][1] == [("absent", "absent", "present")]
