"""Start-up stays light: `--help` and the core load no UI framework and no vendor SDK, and the
TUI shows its ticket list before any vendor SDK is imported."""

from __future__ import annotations

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


def loaded_after(code: str) -> set[str]:
    probe = (
        f"{code}\nimport sys, json\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


HELP_RUNS = {
    "root --help": "for args in [['--help']]:",
    "every subcommand --help": "for args in [[name, '--help'] for name in cli.commands]:",
}


@pytest.mark.parametrize("loop", HELP_RUNS.values(), ids=HELP_RUNS.keys())
def test_help_imports_no_heavy_module(loop):
    code = (
        "from click.testing import CliRunner\n"
        "from martflow.cli import cli\n"
        f"{loop}\n"
        "    result = CliRunner().invoke(cli, args)\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "    assert 'Usage' in result.output"
    )
    loaded = loaded_after(code)
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_core_is_headless():
    code = (
        "import martflow.core.models, martflow.core.ports, martflow.core.spec\n"
        "import martflow.core.workflow.engine, martflow.core.workflow.steps"
    )
    loaded = loaded_after(code)
    assert loaded.isdisjoint([*HEAVY, "click", "rich", "git", "cookiecutter", "duckdb"])


TUI_HEAVY = sorted({*HEAVY, "duckdb", "cookiecutter", "git"} - {"textual"})
"""What the first frame of the TUI must not wait for: every one loads inside a step's worker."""

FIRST_FRAME = """
import asyncio
from pathlib import Path

import martflow.cli  # what `martflow` imports before it opens the TUI
from martflow.context import AppContext
from martflow.tui.app import MartflowApp

context = AppContext.load(Path({config!r}))
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


def test_tui_first_frame_imports_no_heavy_module(tmp_path):
    (tmp_path / "config.toml").write_text("")
    loaded = loaded_after(FIRST_FRAME.format(config=str(tmp_path / "config.toml")))
    assert "textual" in loaded  # the probe really ran the app
    assert loaded.isdisjoint(TUI_HEAVY), loaded & set(TUI_HEAVY)


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
    """Reads after `dbt build` go through the dbt adapter: no other module opens DuckDB."""
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
    assert importers == {"project_scaffold/synthetic.py", "project_scaffold/synthetic_postgres.py"}
