"""A bad branch pattern stops every command at load: nothing runs, nothing is posted."""

from __future__ import annotations

from click.testing import CliRunner

from martflow.cli import cli
from martflow.integrations.tracker.local import LocalTracker
from tests.cli.repo_support import make_repo


def test_an_unknown_branch_placeholder_fails_start_before_it_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    root = make_repo(tmp_path / "repo", '[git]\nbranch = "{user}/{key}-{slug}"\n')
    monkeypatch.chdir(root)
    tracker = LocalTracker(root / ".martflow" / "tracker.db")
    tracker.create_ticket("Orders")

    result = CliRunner().invoke(cli, ["start", "DEMO-1"])

    assert result.exit_code == 2
    assert result.stderr == (
        f"martflow: {root / 'config.toml'}: [git] branch: pattern '{{user}}/{{key}}-{{slug}}' "
        "uses the unknown placeholder {user}; only {key} and {slug} are allowed\n"
    )
    assert tracker.get_ticket("DEMO-1").comments == ()
    assert not (root / ".martflow" / "state.db").exists()
