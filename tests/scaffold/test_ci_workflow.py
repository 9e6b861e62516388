"""The CI workflow `init` writes installs martflow without a published package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import yaml

from martflow.project_scaffold.ci_install import requirement_from, workflow_text
from martflow.project_scaffold.init import TEMPLATE_DIR, init_repo
from tests.scaffold_tools import RENDERER

SOURCE = Path(__file__).resolve().parents[2]
WORKFLOW = ".github/workflows/lint.yml"
_EXPRESSION = re.compile(r"^\$\{\{ vars\.(\w+) \|\| '((?:[^']|'')*)' \}\}$")


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def job_env(workflow: dict, variables: dict[str, str]) -> dict[str, str]:
    """The workflow's ``env``, its ``${{ vars.X || 'default' }}`` evaluated as GitHub does."""
    env = {}
    for name, value in workflow["env"].items():
        match = _EXPRESSION.match(str(value))
        assert match, f"{name}: {value}"
        env[name] = variables.get(match[1]) or match[2].replace("''", "'")
    return env


def run_steps(checkout: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Each ``run`` step of the workflow's one job, in order, as GitHub's bash would."""
    workflow = yaml.safe_load((checkout / WORKFLOW).read_text())
    (job,) = workflow["jobs"].values()
    uses = [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python"]  # emulated by the caller
    done = []
    for step in job["steps"]:
        if "run" not in step:
            continue
        script = checkout.parent / "step.sh"
        script.write_text(step["run"])
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=checkout, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        done.append(result)
        if result.returncode != 0:
            break
    return done


def test_the_requirement_follows_where_martflow_came_from(tmp_path: Path) -> None:
    vcs = {"url": "https://git.example.com/team/martflow.git",
           "vcs_info": {"vcs": "git", "commit_id": "abc123"}}  # fmt: skip
    assert requirement_from(vcs, "0.1.0") == (
        "martflow @ git+https://git.example.com/team/martflow.git@abc123"
    )
    wheel = {"url": "https://files.example.com/martflow-0.1.0-py3-none-any.whl",
             "archive_info": {}}  # fmt: skip
    assert requirement_from(wheel, "0.1.0") == f"martflow @ {wheel['url']}"
    local_wheel = {"url": "file:///tmp/martflow-0.1.0-py3-none-any.whl", "archive_info": {}}
    assert requirement_from(local_wheel, "0.1.0") == ""
    assert requirement_from(None, "0.1.0") == "martflow==0.1.0"  # a (private) index

    clone = tmp_path / "martflow"
    clone.mkdir()
    git(clone, "init", "-q", "-b", "main")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
        "-m", "x")  # fmt: skip
    head = git(clone, "rev-parse", "HEAD")
    editable = {"url": clone.as_uri(), "dir_info": {"editable": True}}
    assert requirement_from(editable, "0.1.0") == ""  # no remote: nothing CI can reach
    git(clone, "remote", "add", "origin", "git@github.com:team/martflow.git")
    assert requirement_from(editable, "0.1.0") == (
        f"martflow @ git+ssh://git@github.com/team/martflow.git@{head}"
    )


def test_the_default_goes_into_a_valid_workflow(tmp_path: Path) -> None:
    template = (TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / WORKFLOW).read_text()
    text = workflow_text(template, "martflow @ git+https://h/o'k/m.git@1", branch="trunk")
    workflow = yaml.safe_load(text)
    assert job_env(workflow, {}) == {"MARTFLOW_PIP": "martflow @ git+https://h/o'k/m.git@1"}
    assert job_env(workflow, {"MARTFLOW_PIP": "x==1"}) == {"MARTFLOW_PIP": "x==1"}
    assert workflow[True]["push"]["branches"] == ["trunk"]  # YAML reads `on` as true


def test_without_a_source_the_install_step_says_what_to_set(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "analytics", renderer=RENDERER)
    (repo / WORKFLOW).write_text(workflow_text((repo / WORKFLOW).read_text(), ""))
    env = {"PATH": os.environ["PATH"], **job_env(yaml.safe_load((repo / WORKFLOW).read_text()), {})}
    (install,) = run_steps(repo, env)
    assert install.returncode == 2
    assert install.stdout.startswith("::error::set the repository variable MARTFLOW_PIP")


def fresh_venv(where: Path) -> Path:
    """A new venv whose dependencies resolve from this test's (no download), martflow aside.

    A ``.pth`` adds this environment's site-packages after the venv's own, so pip finds
    dbt, sqlfluff, ... installed, while martflow itself must come from the install step.
    """
    venv.EnvBuilder(with_pip=True).create(where)
    python = where / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(own) / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return where / "bin"


def build_wheel(out: Path) -> Path:
    """A wheel of this martflow, built from a copy of its sources (the tree stays clean)."""
    source = out / "source"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE / name, source / name)
    shutil.copytree(SOURCE / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = out.glob("martflow-*.whl")
    return wheel


@pytest.mark.slow
def test_the_workflow_steps_install_martflow_and_lint_the_branch(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "analytics", renderer=RENDERER)
    git(repo, "checkout", "-q", "-b", "feature")
    bad = repo / "models" / "marts" / "fct_bad.sql"
    bad.write_text("SELECT a,b from {{ ref('x') }}\n")
    git(repo, "add", "models/marts/fct_bad.sql")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "bad model")
    # actions/checkout with fetch-depth 0: a clone with the whole history, on the branch.
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", "--branch", "feature", str(repo), str(checkout))
    # actions/setup-python: a Python with nothing of martflow on PATH.
    bin_dir = fresh_venv(tmp_path / "runner")
    assert not (bin_dir / "martflow").exists()

    wheel = build_wheel(tmp_path / "dist")
    workflow = yaml.safe_load((checkout / WORKFLOW).read_text())
    variables = {"MARTFLOW_PIP": f"martflow @ {wheel.as_uri()}"}  # the repository variable
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_BASE_REF": "main",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **job_env(workflow, variables),
    }
    install, lint = run_steps(checkout, env)
    assert install.returncode == 0, install.stderr[-2000:]
    assert (bin_dir / "martflow").is_file()
    assert lint.returncode == 1, lint.stderr[-2000:]
    assert "::error file=models/marts/fct_bad.sql,line=1" in lint.stdout
    assert "staging" not in lint.stdout  # only what the branch changed
