"""Start-up: `martflow --help`, `--version` and shell completion vs a bare click app.

Usage: .venv/bin/python bench/startup_bench.py [--runs N] [--json PATH]

Both sides are fresh processes of the same interpreter answering the same request; the
peer is a click group with one command, so the ratio is what martflow adds to click.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harness import BIN, Figure, bench_args, paired, report, wall

BARE_CLICK = '''
import click


@click.group()
@click.version_option("1.0", prog_name="bare")
def cli():
    """A bare click app."""


@cli.command()
def hello():
    """Say hello."""


cli(prog_name="bare")
'''

AIM = 1.5
"""Issue 16: --help, --version and completion within 1.5x of click alone."""


def completion_env(prog: str) -> dict[str, str]:
    """What a zsh completion request for the command names looks like to click."""
    return {
        **os.environ,
        f"_{prog.upper()}_COMPLETE": "zsh_complete",
        "COMP_WORDS": f"{prog} ",
        "COMP_CWORD": "1",
    }


def measure(runs: int) -> list[Figure]:
    martflow = str(BIN / "martflow")
    python = str(BIN / "python")
    with tempfile.TemporaryDirectory(prefix="martflow-startup-bench-") as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_CLICK)
        cases = [
            ("`martflow --help`", ["--help"], None, None),
            ("`martflow --version`", ["--version"], None, None),
            (
                "shell completion of the command names",
                [],
                completion_env("martflow"),
                completion_env("bare"),
            ),
        ]
        figures = []
        for what, args, ours_env, peer_env in cases:
            ours, theirs = paired(
                lambda a=args, e=ours_env: wall([martflow, *a], cwd=Path(tmp), env=e),
                lambda a=args, e=peer_env: wall([python, str(bare), *a], cwd=Path(tmp), env=e),
                runs,
            )
            figures.append(Figure(what, ours, "bare click app", theirs, AIM, runs))
    return figures


def main() -> None:
    args = bench_args(__doc__)
    report(measure(args.runs), args.json)


if __name__ == "__main__":
    main()
