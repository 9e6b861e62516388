"""Lint fixes shown before they are written: real sqlfluff fixes, previewed, then applied."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from martflow.errors import LintError
from martflow.integrations.lint import SqlfluffLinter
from tests.integrations.test_lint import CLEAN_MART, DIRTY, make_project, write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_preview_shows_sqlfluffs_fix_as_a_diff_and_writes_nothing(project: Path) -> None:
    dirty = write(project, "models/marts/dirty.sql", DIRTY)
    before = dirty.read_bytes()
    linter = SqlfluffLinter(project, cache_dir=project / ".martflow" / "lint-cache")

    [fix] = linter.preview_fixes([Path("models")])  # the clean models have nothing to fix

    assert dirty.read_bytes() == before
    assert fix.path == "models/marts/dirty.sql"
    assert fix.before == DIRTY
    assert fix.after.startswith("select") and "{{ ref('stg_shop__orders') }}" in fix.after
    assert fix.violations >= 5
    diff = fix.diff().splitlines()
    assert diff[:2] == ["--- a/models/marts/dirty.sql", "+++ b/models/marts/dirty.sql"]
    assert f"-{DIRTY.rstrip()}" in diff
    assert any(line.startswith("+select") for line in diff)


def test_apply_writes_the_previewed_text_atomically_and_lints_again(project: Path) -> None:
    dirty = write(project, "models/marts/dirty.sql", DIRTY)
    dirty.chmod(0o640)
    linter = SqlfluffLinter(project)
    fixes = linter.preview_fixes([dirty])

    report = linter.apply_fixes(fixes)

    assert dirty.read_text(encoding="utf-8") == fixes[0].after
    assert stat.S_IMODE(dirty.stat().st_mode) == 0o640
    assert report.changed == ("models/marts/dirty.sql",)
    assert (report.files, report.violations) == (1, ())
    assert report.fixed == fixes[0].violations
    assert sorted(p.name for p in dirty.parent.iterdir()) == ["dirty.sql", "fct_orders.sql"]


def test_apply_refuses_when_a_file_changed_since_the_preview(project: Path) -> None:
    dirty = write(project, "models/marts/dirty.sql", DIRTY)
    other = write(project, "models/marts/other.sql", DIRTY.replace("Amount", "Total"))
    linter = SqlfluffLinter(project)
    fixes = linter.preview_fixes([Path("models")])
    assert [f.path for f in fixes] == ["models/marts/dirty.sql", "models/marts/other.sql"]
    other.write_text(CLEAN_MART, encoding="utf-8")  # edited while the dialog was open

    with pytest.raises(LintError, match=r"models/marts/other\.sql changed since"):
        linter.apply_fixes(fixes)

    assert dirty.read_text(encoding="utf-8") == DIRTY  # nothing written, not even the first
    assert other.read_text(encoding="utf-8") == CLEAN_MART


def test_fix_reports_the_files_it_rewrote(project: Path) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    report = SqlfluffLinter(project).lint([], fix=True)
    assert report.changed == ("models/marts/dirty.sql",)
    assert SqlfluffLinter(project).lint([], fix=True).changed == ()
