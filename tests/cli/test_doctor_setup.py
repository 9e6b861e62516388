"""`doctor` on a team's set-up: Tableau sign-in, templates_dir, [keys], and SKIP lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.project_scaffold.init import init_repo
from tests.recorded import ext_path
from tests.scaffold_tools import RENDERER
from tests.tableau.tableau_server import TableauLoopback

SERVER_MODE = """
[tableau]
mode = "server"
server_url = "{url}"
site = "Samples"
project = "default"
token_name = "martflow-ci"
"""


@pytest.fixture
def tableau() -> Iterator[TableauLoopback]:
    loopback = TableauLoopback(ext_path("tableau_tsc_assets"))
    with loopback.running():
        yield loopback


def configure(repo: Path, old: str, new: str) -> None:
    config = repo / "config.toml"
    text = config.read_text()
    assert old in text, old
    config.write_text(text.replace(old, new))


def server_mode(repo: Path, url: str) -> None:
    config = repo / "config.toml"
    text = config.read_text()
    start = text.index("[tableau]\n")
    end = text.index("\n[", start + 1)
    config.write_text(text[:start] + SERVER_MODE.format(url=url).strip() + text[end:])


def doctor(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["--config", str(repo / "config.toml"), *args, "doctor"],
        env={"TABLEAU_TOKEN_SECRET": "pat-s3cret"},
    )
    return result.exit_code, result.stdout


def test_doctor_reports_each_set_up_problem_and_skips_what_depends_on_it(
    tmp_path: Path, tableau: TableauLoopback
) -> None:
    repo = init_repo(tmp_path / "analytics", renderer=RENDERER)
    (repo / "profiles.yml").unlink()  # the dbt project check fails: no warehouse check
    server_mode(repo, tableau.url)
    configure(repo, 'templates_dir = ""', 'templates_dir = "house-templates"')
    configure(repo, "[keys]\n", '[keys]\nrefrsh = "ctrl+r"\n')

    code, out = doctor(repo)
    assert code == 1
    lines = out.splitlines()
    assert f"FAIL  dbt project: missing {repo / 'profiles.yml'}" in lines
    assert "SKIP  warehouse: dbt project failed" in lines
    assert (
        f"ok    tableau sign-in: {tableau.url}: signed in to site 'Samples' with token "
        "'martflow-ci'"
    ) in lines
    assert "ok    tableau project: project 'default' exists" in lines
    assert (
        f"FAIL  templates: [scaffold] templates_dir: {repo / 'house-templates'} does not exist"
    ) in lines
    assert "FAIL  keys: [keys] refrsh: no such key binding; did you mean 'refresh'?" in lines
    (sign_in,) = tableau.requests("POST", "/auth/signin")
    assert b'personalAccessTokenSecret="pat-s3cret"' in sign_in.body
    assert "pat-s3cret" not in out

    code, out = doctor(repo, "--json")
    checks = {c["check"]: c for c in json.loads(out)}
    assert checks["warehouse"] == {
        "check": "warehouse", "ok": False, "detail": "dbt project failed",
        "warning": False, "skipped": True,
    }  # fmt: skip
    assert checks["tableau sign-in"]["ok"] and not checks["tableau sign-in"]["skipped"]


def test_a_refused_tableau_sign_in_skips_the_project_check(
    tmp_path: Path, tableau: TableauLoopback
) -> None:
    repo = init_repo(tmp_path / "analytics", renderer=RENDERER)
    (repo / "profiles.yml").unlink()
    server_mode(repo, tableau.url)
    error = ext_path("tableau_tsc_assets", "auth_sign_in_error.xml").read_bytes()
    tableau.fail("POST", "/auth/signin", 401, error)
    (templates := repo / "house" / "mart").mkdir(parents=True)
    (templates / "cookiecutter.json").write_text("{}")
    configure(repo, 'templates_dir = ""', 'templates_dir = "house"')
    configure(repo, "[keys]\n", '[keys]\nrefresh = "ctrl+r"\n')

    code, out = doctor(repo)
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("FAIL  tableau sign-in: ") for line in lines)
    assert "SKIP  tableau project: tableau sign-in failed" in lines
    assert f"ok    templates: {repo / 'house'}: mart; staging, intermediate: martflow's" in lines
    assert "ok    keys: remapped refresh = 'ctrl+r'" in lines
    assert not any("FAIL" in line and "skipped" in line for line in lines)


def test_hints_name_a_martflow_the_shell_can_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside an activated venv, `martflow` is not on PATH: hints give its full path."""
    import sys

    from martflow.commands.common import martflow_command

    own = Path(sys.executable).parent / "martflow"
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert martflow_command() == str(own)
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "a")])
    assert result.stdout.splitlines()[-1] == f"next: cd {tmp_path / 'a'} && {own} doctor"
    monkeypatch.setenv("PATH", f"{own.parent}:/usr/bin:/bin")
    assert martflow_command() == "martflow"
