"""SqlfluffLinter against real sqlfluff, real files and a real git history."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from martflow.errors import LintError
from martflow.integrations.lint import SqlfluffLinter
from tests.existing.jaffle import SQLFLUFF as JAFFLE_SQLFLUFF
from tests.existing.jaffle import git

SQLFLUFF_CONFIG = JAFFLE_SQLFLUFF.replace("dialect = ansi", "dialect = duckdb")
"""The jaffle repo's .sqlfluff (lower-case everything) on DuckDB."""

UPPER_KEYWORDS_CONFIG = SQLFLUFF_CONFIG.replace(
    "capitalisation_policy = lower\n\n[sqlfluff:rules:capitalisation.identifiers]",
    "capitalisation_policy = upper\n\n[sqlfluff:rules:capitalisation.identifiers]",
)
"""The same config asking for upper-case keywords: the clean models now break CP01."""

CLEAN_STAGING = """\
with source as (
    select * from {{ source('shop', 'orders') }}
),

renamed as (
    select
        id as order_id,
        customer_id,
        cast(amount as decimal(10, 2)) as amount
    from source
)

select * from renamed
"""

CLEAN_MART = """\
select
    customer_id,
    count(*) as order_count
from {{ ref('stg_shop__orders') }}
group by customer_id
"""

DIRTY = "SELECT id,Amount   FROM {{ ref('stg_shop__orders') }}\n"


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def make_project(tmp_path: Path) -> Path:
    """A dbt project with one clean staging model and one clean mart."""
    root = tmp_path / "analytics"
    write(root, "dbt_project.yml", "name: analytics\nversion: '1.0'\nmodel-paths: ['models']\n")
    write(root, ".sqlfluff", SQLFLUFF_CONFIG)
    write(root, "models/staging/shop/stg_shop__orders.sql", CLEAN_STAGING)
    write(root, "models/marts/fct_orders.sql", CLEAN_MART)
    return root


def codes(report: object) -> list[str]:
    return [v.code for v in report.violations]  # type: ignore[attr-defined]


def test_clean_models_with_ref_and_source_template_fine(project: Path) -> None:
    report = SqlfluffLinter(project).lint([])
    assert report.files == 2
    assert report.violations == ()
    assert report.fixed == 0


def test_dirty_model_is_reported_relative_with_forward_slashes(project: Path) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    report = SqlfluffLinter(project).lint([Path("models")])
    assert report.files == 3
    assert {v.path for v in report.violations} == {"models/marts/dirty.sql"}
    assert "CP01" in codes(report)  # upper-case keywords under the lower-case policy
    first = report.violations[0]
    assert (first.line, first.column) == (1, 1)
    assert first.description


def test_fix_rewrites_atomically_and_a_second_lint_is_clean(project: Path) -> None:
    dirty = write(project, "models/marts/dirty.sql", DIRTY)
    dirty.chmod(0o640)
    linter = SqlfluffLinter(project)
    report = linter.lint([dirty], fix=True)
    assert report.violations == ()
    assert report.fixed >= 5
    text = dirty.read_text(encoding="utf-8")
    assert text.startswith("select")
    assert "{{ ref('stg_shop__orders') }}" in text
    assert stat.S_IMODE(dirty.stat().st_mode) == 0o640
    assert sorted(p.name for p in dirty.parent.iterdir()) == ["dirty.sql", "fct_orders.sql"]
    again = SqlfluffLinter(project).lint([dirty])
    assert (again.violations, again.files) == ((), 1)


def test_fix_leaves_unparsable_files_alone(project: Path) -> None:
    broken = write(project, "models/marts/broken.sql", "SELECT from where (( ;\n")
    report = SqlfluffLinter(project).lint([broken], fix=True)
    assert codes(report) == ["PRS"]
    assert report.fixed == 0
    assert broken.read_text(encoding="utf-8") == "SELECT from where (( ;\n"


def test_unparsable_sql_is_a_prs_violation(project: Path) -> None:
    write(project, "models/marts/broken.sql", "select from where (( ;\n")
    report = SqlfluffLinter(project).lint([])
    assert report.files == 3
    prs = [v for v in report.violations if v.code == "PRS"]
    assert prs
    assert {v.path for v in prs} == {"models/marts/broken.sql"}


def test_missing_path_is_a_lint_error_naming_it(project: Path) -> None:
    with pytest.raises(LintError, match=r"models/nope\.sql"):
        SqlfluffLinter(project).lint([Path("models/nope.sql")])


def test_path_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "elsewhere.sql", "select 1\n")
    with pytest.raises(LintError, match="outside the project"):
        SqlfluffLinter(project).lint([outside])


def test_sqlfluffignore_and_ignore_paths_are_respected(project: Path) -> None:
    write(project, "models/legacy/old.sql", DIRTY)
    write(project, "models/staging/scratch/tmp.sql", DIRTY)
    write(project, "models/ignored_by_config.sql", DIRTY)
    write(project, ".sqlfluffignore", "models/legacy/\n")
    write(project, "models/staging/.sqlfluffignore", "scratch\n")
    write(
        project,
        ".sqlfluff",
        SQLFLUFF_CONFIG.replace("[sqlfluff]\n", "[sqlfluff]\nignore_paths = models/ignored_*\n"),
    )
    report = SqlfluffLinter(project).lint([])
    assert report.files == 2
    assert report.violations == ()
    # An explicitly named but ignored file is skipped too, as sqlfluff does.
    assert SqlfluffLinter(project).lint([Path("models/legacy/old.sql")]).files == 0


def test_rules_from_the_constructor_narrow_the_selection(project: Path) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    report = SqlfluffLinter(project, rules=["CP01"]).lint([])
    assert set(codes(report)) == {"CP01"}


def test_dbt_templater_without_its_plugin_says_what_to_install(project: Path) -> None:
    with pytest.raises(LintError, match="pip install sqlfluff-templater-dbt"):
        SqlfluffLinter(project, templater="dbt").lint([])
    write(project, ".sqlfluff", SQLFLUFF_CONFIG.replace("templater = jinja", "templater = dbt"))
    with pytest.raises(LintError, match="pip install sqlfluff-templater-dbt"):
        SqlfluffLinter(project).lint([])


def test_cache_hit_returns_the_same_report_without_running_sqlfluff(
    project: Path, tmp_path: Path
) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    cache = project / ".martflow" / "lint-cache"
    cold = SqlfluffLinter(project, cache_dir=cache)
    first = cold.lint([])
    assert cold.sqlfluff_runs == 1
    assert len(list(cache.glob("*.json"))) == 3
    warm = SqlfluffLinter(project, cache_dir=cache)
    second = warm.lint([])
    assert warm.sqlfluff_runs == 0
    assert second == first
    assert first.violations  # the dirty file's findings come back from the cache


def test_a_fully_cached_lint_never_imports_sqlfluff(project: Path) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    cache = project / ".martflow" / "lint-cache"
    SqlfluffLinter(project, cache_dir=cache).lint([])
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from martflow.integrations.lint import SqlfluffLinter
        report = SqlfluffLinter(Path({str(project)!r}), cache_dir=Path({str(cache)!r})).lint([])
        print(json.dumps({{
            "sqlfluff": sorted(m for m in sys.modules if m.split(".")[0] == "sqlfluff"),
            "violations": len(report.violations),
        }}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out)
    assert result["sqlfluff"] == []
    assert result["violations"] > 0


def test_cache_is_invalidated_when_the_file_changes(project: Path) -> None:
    cache = project / ".martflow" / "lint-cache"
    model = project / "models/marts/fct_orders.sql"
    SqlfluffLinter(project, cache_dir=cache).lint([])
    write(project, "models/marts/fct_orders.sql", CLEAN_MART.replace("select", "SELECT", 1))
    linter = SqlfluffLinter(project, cache_dir=cache)
    report = linter.lint([])
    assert linter.sqlfluff_runs == 1
    assert [(v.path, v.code) for v in report.violations] == [
        ("models/marts/fct_orders.sql", "CP01")
    ]
    assert model.exists()


def test_cache_is_invalidated_when_sqlfluff_config_changes(project: Path) -> None:
    cache = project / ".martflow" / "lint-cache"
    assert SqlfluffLinter(project, cache_dir=cache).lint([]).violations == ()
    write(project, ".sqlfluff", UPPER_KEYWORDS_CONFIG)
    linter = SqlfluffLinter(project, cache_dir=cache)
    report = linter.lint([])
    assert linter.sqlfluff_runs == 1
    assert "CP01" in codes(report)


def test_a_nested_sqlfluff_file_only_invalidates_its_folder(project: Path) -> None:
    cache = project / ".martflow" / "lint-cache"
    SqlfluffLinter(project, cache_dir=cache).lint([])
    write(project, "models/marts/.sqlfluff", "[sqlfluff]\nmax_line_length = 20\n")
    linter = SqlfluffLinter(project, cache_dir=cache)
    report = linter.lint([])
    assert linter.sqlfluff_runs == 1
    assert {v.path for v in report.violations} == {"models/marts/fct_orders.sql"}
    assert "LT05" in codes(report)


def test_fix_through_the_cache_reports_then_caches_the_fixed_file(project: Path) -> None:
    cache = project / ".martflow" / "lint-cache"
    dirty = write(project, "models/marts/dirty.sql", DIRTY)
    assert SqlfluffLinter(project, cache_dir=cache).lint([]).violations
    fixer = SqlfluffLinter(project, cache_dir=cache)
    fixed = fixer.lint([], fix=True)
    assert fixed.violations == ()
    assert fixed.fixed > 0
    assert dirty.read_text(encoding="utf-8") != DIRTY
    warm = SqlfluffLinter(project, cache_dir=cache)
    assert warm.lint([]).violations == ()
    assert warm.sqlfluff_runs == 0


def commit_all(repo: Path, message: str, *, init: bool = False) -> None:
    """Commit every file in ``repo`` (a new repository on ``main`` with ``init``)."""
    if init:
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.name", "t")
        git(repo, "config", "user.email", "t@example.com")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_lint_changed_lints_exactly_the_branch_changes(project: Path) -> None:
    write(project, "models/staging/shop/stg_shop__customers.sql", CLEAN_MART)
    write(project, "models/marts/to_delete.sql", CLEAN_MART)
    write(project, "analyses/adhoc.sql", CLEAN_MART)
    write(project, ".gitignore", "target/\n.martflow/\n")
    commit_all(project, "main with models", init=True)
    git(project, "checkout", "-b", "feature")
    write(project, "models/marts/fct_orders.sql", CLEAN_MART.replace("select", "SELECT", 1))
    write(project, "models/marts/fct_new.sql", CLEAN_MART)
    write(project, "analyses/adhoc.sql", DIRTY)  # changed, but not a model
    write(project, "models/staging/shop/_shop__models.yml", "version: 2\n")  # not SQL
    (project / "models/marts/to_delete.sql").unlink()
    commit_all(project, "branch work")
    write(project, "models/staging/shop/stg_shop__payments.sql", DIRTY)  # untracked
    write(project, "target/compiled.sql", DIRTY)  # ignored by git

    linter = SqlfluffLinter(project)
    report = linter.lint_changed()
    assert report.files == 3
    assert {v.path for v in report.violations} == {
        "models/marts/fct_orders.sql",
        "models/staging/shop/stg_shop__payments.sql",
    }
    assert SqlfluffLinter(project).lint_changed("HEAD").files == 1  # only the untracked one


def test_lint_changed_with_nothing_changed_lints_nothing(project: Path) -> None:
    commit_all(project, "init", init=True)
    linter = SqlfluffLinter(project)
    assert linter.lint_changed().files == 0
    assert linter.sqlfluff_runs == 0


def test_dialect_defaults_to_duckdb_and_a_bad_one_is_a_lint_error(project: Path) -> None:
    write(project, ".sqlfluff", SQLFLUFF_CONFIG.replace("dialect = duckdb\n", ""))
    assert SqlfluffLinter(project).lint([]).violations == ()
    with pytest.raises(LintError, match="nosuch"):
        SqlfluffLinter(project, dialect="nosuch").lint([])


def test_two_processes_give_the_same_report_as_one(project: Path) -> None:
    write(project, "models/marts/dirty.sql", DIRTY)
    write(project, "models/marts/broken.sql", "select from where (( ;\n")
    serial = SqlfluffLinter(project).lint([])
    parallel = SqlfluffLinter(project, processes=2).lint([])
    assert parallel == serial
    assert {v.path for v in serial.violations} == {
        "models/marts/dirty.sql",
        "models/marts/broken.sql",
    }
