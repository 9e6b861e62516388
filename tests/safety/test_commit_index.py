"""Commits go through a temporary index: hooks may rewrite files, the index stays truthful."""

from __future__ import annotations

from pathlib import Path

import pytest

from martflow.core.models import StepState
from martflow.core.workflow.engine import Engine
from martflow.core.workflow.ledger import Ledger
from martflow.core.workflow.settings import PipelineSettings
from martflow.core.workflow.steps import build_steps
from martflow.integrations.git import GitRepository
from tests.fakes.memory_tracker import MemoryTracker
from tests.safety.git_support import add_hook, git, isolate_git_config, make_work_repo

MODEL = "models/marts/fct_orders.sql"
REFORMAT = f"sed -i 's/select/SELECT/' {MODEL} && git add {MODEL}\n"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_git_config(tmp_path, monkeypatch)
    root = make_work_repo(tmp_path / "work", {"notes.md": "notes\n"})
    (root / MODEL).parent.mkdir(parents=True)
    (root / MODEL).write_text("select 1 as order_id\n")
    return root


def test_a_reformatting_hook_leaves_index_head_and_work_tree_equal(root: Path) -> None:
    add_hook(root, "pre-commit", REFORMAT)
    with GitRepository(root) as repo:
        sha = repo.commit([MODEL], "DEMO-1: orders", "run-1")

    assert git(root, "show", f"{sha}:{MODEL}") == "SELECT 1 as order_id"
    assert git(root, "status", "--porcelain", "--", MODEL) == ""  # was "MM"
    # The user's next plain commit does not undo the hook's edit.
    (root / "notes.md").write_text("more notes\n")
    git(root, "commit", "-q", "-am", "notes")
    assert git(root, "show", f"HEAD:{MODEL}") == "SELECT 1 as order_id"


def test_the_users_own_staged_change_stays_staged_and_out_of_the_commit(root: Path) -> None:
    add_hook(root, "pre-commit", REFORMAT)
    (root / "notes.md").write_text("work in progress\n")
    git(root, "add", "notes.md")
    (root / "scratch.sql").write_text("select 2\n")  # untracked: stays untracked

    with GitRepository(root) as repo:
        sha = repo.commit([MODEL], "DEMO-1: orders", "run-2")

    assert git(root, "show", "--name-only", "--format=", sha) == MODEL
    assert git(root, "diff", "--cached", "--name-only") == "notes.md"
    assert git(root, "show", ":notes.md") == "work in progress"
    assert git(root, "status", "--porcelain") == "M  notes.md\n?? scratch.sql"
    assert not list((root / ".git").glob("martflow-index-*"))


def test_a_refusing_hook_fails_the_step_with_its_output_and_tells_the_ticket_one_line(
    root: Path, tmp_path: Path
) -> None:
    add_hook(
        root,
        "pre-commit",
        "echo 'sqlfluff: L003 indentation at line 4' >&2\n"
        "echo 'internal path /home/dev/secret-project' >&2\nexit 1\n",
    )
    tracker = MemoryTracker()
    tracker.create_ticket("Orders")
    ledger = Ledger(tmp_path / "state.db")
    ledger.mark_running("DEMO-1", "scaffold")
    ledger.finish_step("DEMO-1", "scaffold", StepState.SUCCEEDED, "1 model", {"files": [MODEL]})

    class Services:
        settings = PipelineSettings(root=root, specs_dir=root / "specs")

        def repository(self) -> GitRepository:
            return GitRepository(root)

    engine = Engine(ledger, tracker, build_steps(Services()), lambda _step: None)  # type: ignore[arg-type]
    report = engine.run("DEMO-1", only=["commit"], force=True)

    assert report.failed == "commit"
    detail = ledger.step("DEMO-1", "commit").detail
    assert "sqlfluff: L003 indentation at line 4" in detail
    assert "internal path /home/dev/secret-project" in detail
    [comment] = [c.body for c in tracker.get_ticket("DEMO-1").comments]
    assert comment == (
        "martflow: the commit step failed. Commit refused by a git hook: "
        "the pre-commit git hook refused the commit."
    )
    assert git(root, "status", "--porcelain", "--", MODEL) == "?? " + MODEL
