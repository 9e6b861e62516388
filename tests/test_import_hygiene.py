"""Start-up stays light, checked by what each start-up path imports (speed itself is in bench/).

- `--help`, `--version` and shell completion load click and the command table, nothing else.
- The TUI's first frame (the ticket list drawn) loads the list screen, the tracker it needs
  and the config reader; other screens, dialogs, panels, plotting, the engine and pydantic
  wait until first use.
- The core is headless.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

HEAVY = [
    "textual",
    "dbt",
    "sqlfluff",
    "tableauserverclient",
    "tableauhyperapi",
    "jira",
    "atlassian",
]

START_UP_MODULES = {
    "martflow",
    "martflow.cli",
    "martflow.commands",
    "martflow.commands.state",
}
"""Every martflow module `--help`, `--version` and completion may load: the command table."""

NOT_AT_START_UP = [
    "logging",
    "pathlib",
    "pydantic",
    "rich",
    "textual",
    "tenacity",
    "yaml",
    "martflow.config",
    "martflow.context",
    "martflow.commands.common",
    "martflow.commands.pipeline",
    "martflow.commands.lint",
    "martflow.core.models",
    "martflow.core.workflow",
]
"""What `--help`, `--version` and completion must not load (each loads on use)."""

FIRST_FRAME_MODULES = {
    *START_UP_MODULES,
    "martflow.errors",
    "martflow.secrets",
    "martflow.config",
    "martflow.config_schema",
    "martflow.config_quality",
    "martflow.context",
    "martflow.core",
    "martflow.core.document",
    "martflow.core.models",
    "martflow.core.naming",
    "martflow.core.ports",
    "martflow.core.safe_text",
    "martflow.core.secret_scan",
    "martflow.core.sqlite",
    "martflow.core.storage",
    "martflow.core.workflow",
    "martflow.core.workflow.ledger",
    "martflow.integrations",
    "martflow.integrations.tracker",
    "martflow.integrations.tracker.local",
    "martflow.services",
    "martflow.services.outbox",
    "martflow.services.ports",
    "martflow.services.tickets",
    "martflow.tui",
    "martflow.tui.app",
    "martflow.tui.keys",
    "martflow.tui.messages",
    "martflow.tui.screens",
    "martflow.tui.screens.base",
    "martflow.tui.screens.tickets",
    "martflow.tui.widgets.fitted_table",
    "martflow.tui.widgets",
    "martflow.tui.widgets.outbox",
    "martflow.tui.worker_errors",
}
"""Every martflow module the TUI may load before its ticket list is drawn."""

NOT_AT_FIRST_FRAME = [
    *HEAVY[1:],
    "pydantic",
    "tenacity",
    "yaml",
    "duckdb",
    "cookiecutter",
    "git",
    "plotext",
    "textual_plotext",
    "martflow.tui.screens.ticket",
    "martflow.tui.screens.spec_editor",
    "martflow.tui.dialogs",
    "martflow.tui.panels",
    "martflow.tui.widgets.steps",
    "martflow.tui.widgets.source_tree",
    "martflow.tui.widgets.spec_form",
    "martflow.tui.widgets.measure_chart",
    "martflow.tui.step_flows",
    "martflow.core.spec",
    "martflow.core.inputs",
    "martflow.core.project",
    "martflow.core.retry",
    "martflow.core.workflow.engine",
    "martflow.core.workflow.steps",
    "martflow.project_scaffold",
]
"""What the first frame must not wait for: each loads when its screen, dialog or step runs."""


def loaded_after(code: str, cwd: str | None = None) -> set[str]:
    """Every module loaded once ``code`` has run in a fresh interpreter."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=cwd,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def offenders(loaded: set[str], forbidden: list[str]) -> list[str]:
    """The loaded modules that are, or are inside, a forbidden module."""
    return sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))


def third_party(loaded: set[str]) -> set[str]:
    """Top-level packages outside the standard library, beyond what the interpreter's start
    (site hooks, the editable-install finder) loads."""
    top = {m.split(".")[0] for m in loaded - _bare_interpreter()}
    return top - set(sys.stdlib_module_names)


@functools.cache
def _bare_interpreter() -> frozenset[str]:
    return frozenset(loaded_after("pass"))


START_UP_RUN = """
import os, sys
from martflow.cli import main
os.environ.update({env!r})
sys.argv = ["martflow", *{args!r}]
try:
    main()
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
"""

START_UP_PATHS = {
    "--help": ([["--help"]], {}),
    "--version": ([["--version"]], {}),
    "complete a command": (
        [[]],
        {"_MARTFLOW_COMPLETE": "bash_complete", "COMP_WORDS": "martflow s", "COMP_CWORD": "1"},
    ),
    "complete a command with help (zsh)": (
        [[]],
        {"_MARTFLOW_COMPLETE": "zsh_complete", "COMP_WORDS": "martflow ", "COMP_CWORD": "1"},
    ),
    "complete a global option": (
        [[]],
        {"_MARTFLOW_COMPLETE": "bash_complete", "COMP_WORDS": "martflow --", "COMP_CWORD": "1"},
    ),
}


@pytest.mark.parametrize(("runs", "env"), START_UP_PATHS.values(), ids=START_UP_PATHS.keys())
def test_start_up_loads_click_and_the_command_table_only(runs, env):
    (args,) = runs
    loaded = loaded_after(START_UP_RUN.format(args=args, env=env))
    assert "martflow.cli" in loaded  # the probe really ran the CLI
    assert not offenders(loaded, NOT_AT_START_UP)
    assert {m for m in loaded if m.startswith("martflow")} <= START_UP_MODULES, sorted(
        {m for m in loaded if m.startswith("martflow")} - START_UP_MODULES
    )
    assert third_party(loaded) <= {"click", "martflow"}, third_party(loaded)


def test_completion_lists_every_command_with_its_help():
    env = {"_MARTFLOW_COMPLETE": "zsh_complete", "COMP_WORDS": "martflow ", "COMP_CWORD": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "from martflow.cli import main; main()"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, **env},
    )
    from martflow.cli import COMMANDS

    lines = result.stdout.splitlines()
    for name, (_target, help_text) in COMMANDS.items():
        assert name in lines
        assert help_text.split(".")[0][:30] in result.stdout


def test_the_command_table_matches_the_commands():
    """The table's help is each command's own first paragraph, and every entry loads."""
    import inspect

    import click

    from martflow.cli import COMMANDS, cli

    context = click.Context(cli)
    for name, (_target, help_text) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None, name
        assert command.name == name
        first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert help_text == " ".join(first_paragraph.split()), name


def test_every_subcommand_help_loads_no_vendor_sdk():
    code = (
        "import click\n"
        "from click.testing import CliRunner\n"
        "from martflow.cli import cli\n"
        "for name in cli.list_commands(click.Context(cli)):\n"
        "    result = CliRunner().invoke(cli, [name, '--help'])\n"
        "    assert result.exit_code == 0, (name, result.output)\n"
        "    assert 'Usage' in result.output"
    )
    loaded = loaded_after(code)
    assert not offenders(loaded, HEAVY)


def test_core_is_headless():
    code = (
        "import martflow.core.models, martflow.core.ports, martflow.core.spec\n"
        "import martflow.core.workflow.engine, martflow.core.workflow.steps"
    )
    loaded = loaded_after(code)
    assert not offenders(loaded, [*HEAVY, "click", "rich", "git", "cookiecutter", "duckdb"])


FIRST_FRAME = """
import asyncio
from pathlib import Path

import martflow.cli  # what `martflow` imports before it opens the TUI
from martflow.commands.state import CliState
from martflow.tui.app import MartflowApp

context = CliState(Path({config!r})).context()
for summary in ("Customer lifetime value", "Product catalogue dimension"):
    context.tracker.create_ticket(summary)


async def first_frame():
    app = MartflowApp(context)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#tickets").row_count == 2, "the ticket list did not load"


asyncio.run(first_frame())
"""

ONE_LABEL_APP = """
import asyncio

from textual.app import App
from textual.widgets import Label


class OneLabel(App):
    def compose(self):
        yield Label("ready")


async def first_frame():
    app = OneLabel()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()


asyncio.run(first_frame())
"""


@pytest.fixture(scope="module")
def first_frame_modules(tmp_path_factory) -> set[str]:
    root = tmp_path_factory.mktemp("first-frame")
    (root / "config.toml").write_text("")
    return loaded_after(FIRST_FRAME.format(config=str(root / "config.toml")), cwd=str(root))


def test_first_frame_loads_no_other_screen_dialog_panel_sdk_or_pydantic(first_frame_modules):
    assert "martflow.tui.screens.tickets" in first_frame_modules  # the probe really ran
    assert not offenders(first_frame_modules, NOT_AT_FIRST_FRAME)


def test_first_frame_loads_only_the_list_its_tracker_and_the_config_reader(first_frame_modules):
    own = {m for m in first_frame_modules if m.startswith("martflow")}
    assert own <= FIRST_FRAME_MODULES, sorted(own - FIRST_FRAME_MODULES)


def test_first_frame_loads_no_package_a_one_label_textual_app_does_not(first_frame_modules):
    """Beyond Textual's own dependencies, only click (the CLI the TUI opens from)."""
    textual_alone = third_party(loaded_after(ONE_LABEL_APP))
    extra = third_party(first_frame_modules) - textual_alone
    assert extra <= {"click", "martflow"}, sorted(extra)


def test_console_script_help_runs():
    result = subprocess.run(
        [sys.executable, "-m", "martflow", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "walks an analytics ticket" in result.stdout


def test_import_contracts_hold():
    import shutil
    from pathlib import Path

    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists() or shutil.which("lint-imports")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [str(lint_imports)], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_only_the_synthetic_loader_imports_duckdb() -> None:
    """Reads after `dbt build` go through the dbt adapter: only the demo's shop loaders
    (DuckDB itself, and the shop copied into Postgres and Spark) open DuckDB."""
    import ast
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "martflow"
    importers = set()
    for path in src.rglob("*.py"):
        if "templates" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "duckdb" for name in names):
                importers.add(path.relative_to(src).as_posix())
    loaders = {"synthetic.py", "synthetic_postgres.py", "synthetic_spark.py"}  # the demo's shop
    assert importers == {f"project_scaffold/{loader}" for loader in loaders}


NOT_ON_THE_LINT_PATH = [m for m in HEAVY if m != "sqlfluff"] + [
    "pydantic",
    "duckdb",
    "pytest",
    "_pytest",
]
"""What `lint --changed` (a pre-commit hook) must not load: only sqlfluff does the work.
pytest too: sqlfluff imports it when installed, for its own test helpers only."""


def test_lint_changed_loads_sqlfluff_but_no_dbt_pydantic_or_pytest(tmp_path):
    from tests.existing.jaffle import git
    from tests.integrations.test_lint import CLEAN_MART, SQLFLUFF_CONFIG

    model = tmp_path / "models" / "fct_orders.sql"
    model.parent.mkdir()
    model.write_text(CLEAN_MART)
    (tmp_path / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\n")
    (tmp_path / ".sqlfluff").write_text(SQLFLUFF_CONFIG)
    (tmp_path / "config.toml").write_text("")
    (tmp_path / ".gitignore").write_text(".martflow/\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "t")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "main")
    git(tmp_path, "switch", "-q", "-c", "feature")
    model.write_text(CLEAN_MART.replace("select", "SELECT", 1))  # one finding
    run = START_UP_RUN.replace("(0, None)", "(0, 1, None)")  # 1: it found the finding
    loaded = loaded_after(run.format(args=["lint", "--changed"], env={}), cwd=str(tmp_path))
    assert "sqlfluff.core.linter" in loaded  # the probe really linted
    assert not offenders(loaded, NOT_ON_THE_LINT_PATH), offenders(loaded, NOT_ON_THE_LINT_PATH)
