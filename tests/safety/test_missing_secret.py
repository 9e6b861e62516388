"""A missing secret on a machine without a keyring is one line and an exit code, never a hang."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from martflow.secrets import SECRET_VARIABLES
from tests.cli.repo_support import make_repo
from tests.safety.process_support import martflow_env, run_martflow

SPEC = """```yaml
martflow:
  sources: [shop.orders]
  mart: orders
  kind: fact
  grain: [orders.order_id]
  measures:
    - {name: amount, expr: "sum(orders.amount)"}
  dashboard: Orders
```
"""


def martflow(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``martflow ARGS`` in ``root`` with no secret anywhere and the failing keyring backend."""
    env = martflow_env(
        drop=SECRET_VARIABLES, add={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    )
    return run_martflow(root, *args, env=env, timeout=30)  # the bug: this never returned


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("martflow:")]


def test_jira_tickets_without_a_token_is_one_line_exit_2(tmp_path):
    root = make_repo(
        tmp_path / "repo",
        '[tracker]\nkind = "jira"\nurl = "http://127.0.0.1:9"\nuser = "pm@example.com"\n',
    )
    done = martflow(root, "tickets")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "martflow: no Jira token: set JIRA_API_TOKEN "
        "(this machine has no system keyring: NoKeyringError)"
    ]


def test_server_publish_without_a_secret_is_one_line_exit_2_and_the_step_failed(tmp_path):
    root = make_repo(
        tmp_path / "repo",
        '[tableau]\nmode = "server"\nserver_url = "http://127.0.0.1:9"\ntoken_name = "ci"\n',
    )
    (root / "spec.md").write_text(SPEC)
    created = martflow(
        root, "tickets", "create", "--summary", "Orders", "--description-file", "spec.md"
    )
    assert created.returncode == 0, created.stderr

    done = martflow(root, "publish", "DEMO-1", "--force")

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert error_lines(done.stderr) == [
        "martflow: no Tableau token secret: set TABLEAU_TOKEN_SECRET "
        "(this machine has no system keyring: NoKeyringError) for the token named 'ci'"
    ]
    status = json.loads(martflow(root, "status", "DEMO-1", "--json").stdout)
    publish = next(s for s in status["steps"] if s["name"] == "publish")
    assert publish["state"] == "failed"
    assert "TABLEAU_TOKEN_SECRET" in publish["detail"]
    assert status["outbox"] == []  # the ticket is not told about a local setup problem
