"""`martflow document` on the demo repo with [confluence] pointing at a loopback Confluence."""

from __future__ import annotations

import json
import os
import re

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from martflow.cli import cli
from martflow.secrets import SECRETS
from tests.integrations.confluence_server import PARENT, SPACE, ConfluenceLoopback, Fault

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]
TOKEN = "conf-token-0123456789abcdef"


def configure(target, url: str) -> None:
    config = target / "config.toml"
    text = config.read_text()
    section = f'[confluence]\nurl = "{url}"\nspace = "{SPACE}"\nparent = "{PARENT}"\n'
    text = re.sub(r"\[confluence\]\n(?:[^\[]*\n)*?(?=\[|\Z)", section + "\n", text, count=1)
    config.write_text(text)


def test_document_publishes_once_and_keeps_its_version(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    confluence = ConfluenceLoopback(httpserver)
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "demo"
    runner = CliRunner()
    demo = runner.invoke(cli, ["--json", "demo", str(target), "--rows", "200"])
    assert demo.exit_code == 0, demo.stderr
    configure(target, confluence.url)
    config = ["--config", str(target / "config.toml"), "--json"]

    # Without the token: the step fails before writing anything, naming the variable.
    monkeypatch.delenv("CONFLUENCE_API_TOKEN", raising=False)
    monkeypatch.setattr(SECRETS, "_values", {})
    monkeypatch.setattr(SECRETS, "_from_keyring", lambda _name: None)
    missing = runner.invoke(cli, [*config, "document", "DEMO-1"])
    assert missing.exit_code == 2
    assert "CONFLUENCE_API_TOKEN" in missing.stderr and confluence.requests == []

    monkeypatch.setenv("CONFLUENCE_API_TOKEN", TOKEN)
    confluence.faults.append(Fault("POST", "/rest/api/content", 503, apply_first=True))
    first = runner.invoke(cli, [*config, "document", "DEMO-1"])
    assert first.exit_code == 0, first.stderr
    assert "CONFLUENCE_API_TOKEN" not in os.environ  # read once, then gone from children
    (page,) = confluence.dictionaries()
    assert page.title == "Data dictionary: fct_customer_orders"
    assert "<code>customer_id</code>" in page.body and "Customer lifetime value" in page.body
    assert [w for w in confluence.writes()] == [("POST", "/rest/api/content")]
    assert all(TOKEN not in out for out in (first.stdout, first.stderr))

    again = runner.invoke(cli, [*config, "document", "DEMO-1"])
    assert again.exit_code == 0, again.stderr
    assert confluence.writes() == [("POST", "/rest/api/content")]
    assert page.version == 1 and len(confluence.dictionaries()) == 1

    shown = json.loads(runner.invoke(cli, [*config, "show", "DEMO-1"]).stdout)
    told = [c["body"] for c in shown["comments"] if "data dictionary" in c["body"]]
    assert told and "docs/data-dictionary/fct_customer_orders.md" in told[0]

    doctor = runner.invoke(cli, ["--config", str(target / "config.toml"), "doctor", "--json"])
    checks = {c["check"]: c for c in json.loads(doctor.stdout)}
    assert checks["confluence"]["ok"], checks["confluence"]
    assert "space DATA (Data team) readable under page 4242" in checks["confluence"]["detail"]
