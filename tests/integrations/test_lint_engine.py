"""The lint engine's speed structure, checked by behaviour (the speed itself is in bench/):
one sqlfluff Linter per configuration, sqlfluff loading while git and the cache answer,
every core for a large lint, and no dbt on the lint path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from martflow.integrations import sqlfluff_runner
from martflow.integrations.lint import SqlfluffLinter
from tests.integrations.test_lint import (
    CLEAN_MART,
    DIRTY,
    UPPER_KEYWORDS_CONFIG,
    git,
    make_project,
    write,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_one_linter_serves_every_file_the_fix_and_the_next_lint(project: Path) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    write(project, "models/marts/dirty_too.sql", DIRTY)
    linter = SqlfluffLinter(project)
    fixed = linter.lint([], fix=True)
    assert fixed.fixed > 0
    assert linter.lint([]).violations == ()
    assert linter.sqlfluff_runs == 3  # lint + fix, re-lint of the fixed files, lint again
    assert linter.linters_built == 1


def test_an_edited_sqlfluff_config_gets_a_new_linter(project: Path) -> None:
    linter = SqlfluffLinter(project)
    assert linter.lint([]).violations == ()
    write(project, ".sqlfluff", UPPER_KEYWORDS_CONFIG)
    assert "CP01" in [v.code for v in linter.lint([]).violations]
    assert linter.linters_built == 2


@pytest.fixture
def processes_used(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``processes`` every sqlfluff ``lint_paths`` call was given (sqlfluff still runs)."""
    from sqlfluff.core import Linter

    used: list[int] = []
    real = Linter.lint_paths

    def spy(self, paths, *args, processes=None, **kwargs):  # type: ignore[no-untyped-def]
        used.append(processes)
        return real(self, paths, *args, processes=processes, **kwargs)

    monkeypatch.setattr(Linter, "lint_paths", spy)
    return used


def test_a_whole_project_lint_uses_every_core(project: Path, processes_used: list[int]) -> None:
    for number in range(sqlfluff_runner.PARALLEL_FROM):
        write(project, f"models/marts/fct_{number}.sql", CLEAN_MART)
    report = SqlfluffLinter(project).lint([])
    assert report.files == sqlfluff_runner.PARALLEL_FROM + 2
    assert processes_used == [os.cpu_count()]


def test_a_few_files_lint_in_this_process(project: Path, processes_used: list[int]) -> None:
    SqlfluffLinter(project).lint([])
    assert processes_used == [1]


def branch_with_changes(root: Path) -> None:
    write(root, ".gitignore", "target/\n.martflow/\n")
    git(root, "init", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-m", "main")
    git(root, "checkout", "-b", "feature")
    write(root, "models/marts/dirty.sql", DIRTY)
    git(root, "add", "-A")
    git(root, "commit", "-m", "branch work")


def test_a_cached_changed_lint_does_not_wait_for_sqlfluff(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    branch_with_changes(project)
    cache = project / ".martflow" / "lint-cache"
    cold = SqlfluffLinter(project, cache_dir=cache).lint_changed()
    assert cold.violations

    released = threading.Event()
    real_build = sqlfluff_runner.SqlfluffRunner._build

    def stuck_build(self):  # type: ignore[no-untyped-def]
        released.wait()  # sqlfluff "still loading" until the test ends
        return real_build(self)

    monkeypatch.setattr(sqlfluff_runner.SqlfluffRunner, "_build", stuck_build)
    result: list[object] = []
    warm = SqlfluffLinter(project, cache_dir=cache)
    worker = threading.Thread(target=lambda: result.append(warm.lint_changed()))
    worker.start()
    worker.join(timeout=120)  # a liveness guard, not a speed check: it would hang forever
    released.set()
    assert not worker.is_alive(), "a fully cached lint waited for sqlfluff to load"
    assert result == [cold]
    assert warm.sqlfluff_runs == 0


def test_the_changed_lint_loads_sqlfluff_alongside_git_and_never_dbt(project: Path) -> None:
    branch_with_changes(project)
    script = textwrap.dedent(
        f"""
        import json, sys, threading
        from pathlib import Path
        from martflow.integrations import sqlfluff_runner
        from martflow.integrations.lint import SqlfluffLinter

        order = []
        real_preload = sqlfluff_runner.SqlfluffRunner.preload
        sqlfluff_runner.SqlfluffRunner.preload = (
            lambda self, key: (order.append("sqlfluff"), real_preload(self, key))[1]
        )
        import subprocess
        real_run = subprocess.run
        subprocess.run = lambda *a, **k: (order.append("git"), real_run(*a, **k))[1]
        report = SqlfluffLinter(Path({str(project)!r})).lint_changed()
        print(json.dumps({{
            "order": order,
            "dbt": sorted(m for m in sys.modules if m.split(".")[0] == "dbt"),
            "files": report.files,
        }}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["files"] == 1
    assert result["dbt"] == []
    assert result["order"][0] == "sqlfluff", result["order"]  # before asking git anything
