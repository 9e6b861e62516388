"""A team's own templates: a bad `templates_dir` and a broken template are one clear line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from martflow.cli import cli
from martflow.errors import ConfigError, ScaffoldError
from martflow.project_scaffold.render import TEMPLATE_NAMES, builtin_templates, check_templates_dir
from martflow.project_scaffold.scaffolder import ProjectScaffolder
from tests.scaffold.scaffold_support import DEMO_COLUMNS, DIM_SPEC, FACT_SPEC
from tests.scaffold_tools import RENDERER, TOOLS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates.md"


def own(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A templates folder holding a copy of martflow's ``name`` template, and its .sql."""
    templates = tmp_path / "templates"
    shutil.copytree(builtin_templates() / name, templates / name)
    return templates, next((templates / name).rglob("*.sql"))


def plan(project: Path, templates: Path, spec=FACT_SPEC):  # type: ignore[no-untyped-def]
    scaffolder = ProjectScaffolder(
        project, templates_dir=templates, source_schemas={"shop": "raw"}, **TOOLS
    )
    return scaffolder.plan(spec, DEMO_COLUMNS, "DATA-1", "x")


def test_a_templates_dir_that_cannot_work_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"templates_dir: .*/nowhere does not exist$"):
        check_templates_dir(tmp_path / "nowhere")
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is not a folder"):
        check_templates_dir(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"has none of staging/, intermediate/, mart/"):
        check_templates_dir(tmp_path / "empty")
    (tmp_path / "empty" / "mart").mkdir()
    with pytest.raises(ConfigError, match=r"empty/mart has no cookiecutter\.json"):
        check_templates_dir(tmp_path / "empty")
    templates, _sql = own(tmp_path, "staging")
    assert check_templates_dir(templates) == ["staging"]


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        ("{{ cookiecutter.nope }}\n", r"UndefinedError: .*nope.* \(.*\.sql, line ({n})\)$"),
        ("{% for x in y %}\n", r"TemplateSyntaxError: .* \(.*\.sql, line ({n}|{n_next})\)$"),
        ("{{ 1 / 0 }}\n", r"ZeroDivisionError: division by zero \(.*\.sql, line ({n})\)$"),
    ],
)
def test_a_render_error_names_the_file_and_line(tmp_path: Path, broken: str, error: str) -> None:
    templates, sql = own(tmp_path, "mart")
    added_at = sql.read_text().count("\n") + 1  # the broken line goes after the last one
    error = error.format(n=added_at, n_next=added_at + 1)
    sql.write_text(sql.read_text() + broken)
    with pytest.raises(ScaffoldError) as caught:
        plan(tmp_path / "project", templates)
    message = caught.value.message
    assert "\n" not in message and re.search(error, message), message
    assert message.startswith(f"template {templates / 'mart'} failed to render: ")


def test_a_template_that_changes_a_column_reference_is_refused(tmp_path: Path) -> None:
    """Quoted warehouse names are filled in after rendering; a filter would break them."""
    templates, sql = own(tmp_path, "staging")
    sql.write_text(sql.read_text().replace("{{ col.expr }}", "{{ col.expr | lower }}"))
    with pytest.raises(ScaffoldError, match="changed a column reference"):
        plan(tmp_path / "project", templates)
    # Unchanged, the same template fills the quoted names in.
    shutil.copyfile(next((builtin_templates() / "staging").rglob("*.sql")), sql)
    files = {f.path: f.content for f in plan(tmp_path / "project", templates).files}
    staged = files["models/staging/shop/stg_shop__orders.sql"]
    assert "{{ adapter.quote('Order ID') }} as order_id" in staged
    assert "martflow_column" not in staged.lower()


def test_the_template_reference_lists_every_variable() -> None:
    doc = DOCS.read_text()
    for name in TEMPLATE_NAMES:
        defaults = json.loads((builtin_templates() / name / "cookiecutter.json").read_text())
        section = doc.split(f"### {name}/", 1)[1].split("\n### ", 1)[0]
        for key, value in defaults.items():
            assert f"`{key}`" in section, f"{name}: {key}"
            for item in value if isinstance(value, list) else []:
                for sub in item if isinstance(item, dict) else []:
                    assert f"`{key}[].{sub}`" in section, f"{name}: {key}.{sub}"


def test_the_contexts_hold_only_documented_variables(tmp_path: Path) -> None:
    """What the scaffolder really passes: every key and column field is in the reference."""
    from martflow.project_scaffold import render as render_module

    seen: dict[str, set[str]] = {name: set() for name in TEMPLATE_NAMES}
    real = render_module.render

    def spy(rendering, templates, renderer):  # type: ignore[no-untyped-def]
        for key, value in rendering.context.items():
            seen[rendering.template].add(key)
            for item in value if isinstance(value, list) else []:
                fields = item if isinstance(item, dict) else []
                seen[rendering.template].update(f"{key}[].{field}" for field in fields)
        return real(rendering, templates, renderer)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("martflow.project_scaffold.scaffolder.render", spy)
        for spec in (FACT_SPEC, DIM_SPEC):
            ProjectScaffolder(tmp_path, source_schemas={"shop": "raw"}, **TOOLS).plan(
                spec, DEMO_COLUMNS, "DATA-1", "x"
            )
    doc = DOCS.read_text()
    for name, keys in seen.items():
        section = doc.split(f"### {name}/", 1)[1].split("\n### ", 1)[0]
        missing = sorted(key for key in keys if f"`{key}`" not in section)
        assert keys and not missing, (name, missing)


@pytest.mark.slow
def test_scaffold_exits_2_on_a_missing_templates_dir_and_1_on_a_broken_template(
    tmp_path: Path,
) -> None:
    from martflow.context import AppContext
    from martflow.project_scaffold.demo import DEMO_TICKETS, prepare_repo

    root, _ = prepare_repo(tmp_path / "demo", 200, 7, renderer=RENDERER)
    context = AppContext.load(root / "config.toml")
    for ticket in DEMO_TICKETS:
        context.tracker.create_ticket(ticket.summary, ticket.description)
    context.close()
    config = root / "config.toml"
    config.write_text(config.read_text().replace('templates_dir = ""', 'templates_dir = "own"'))
    subprocess.run(["git", "commit", "-qam", "own templates"], cwd=root, check=True)

    def scaffold() -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--config", str(config), "scaffold", "DEMO-2", "--force"])
        return result.exit_code, result.stderr

    code, err = scaffold()
    assert code == 2
    assert (
        err.splitlines()[-1] == f"martflow: [scaffold] templates_dir: {root / 'own'} does not exist"
    )
    templates, sql = own(root, "mart")
    templates.rename(root / "own")
    sql = root / "own" / sql.relative_to(templates)
    added_at = sql.read_text().count("\n") + 1
    sql.write_text(sql.read_text() + "{{ cookiecutter.nope }}\n")
    code, err = scaffold()
    assert code == 1, err
    assert not (root / "models" / "marts" / "dim_products.sql").exists()
    show = CliRunner().invoke(cli, ["--config", str(config), "--json", "status", "DEMO-2"])
    step = next(s for s in json.loads(show.stdout)["steps"] if s["name"] == "scaffold")
    assert step["state"] == "failed"
    rendered = rf"failed to render: UndefinedError: .*nope.*line {added_at}\)"
    assert re.search(rendered, step["detail"])
