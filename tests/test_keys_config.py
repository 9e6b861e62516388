"""`[keys]`: the sample configs list every binding id, and what they show is valid."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from martflow.config_file import keys_section
from martflow.project_scaffold.init import TEMPLATE_DIR
from martflow.tui.keys import REMAPPABLE_IDS, keymap

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {
    "config.toml": ROOT / "config.toml",
    "repo template": TEMPLATE_DIR / "{{cookiecutter.repo_dir}}" / "config.toml",
}


def commented_bindings(text: str) -> dict[str, object]:
    """The ``# id = "key"`` lines of the ``[keys]`` section, uncommented and parsed."""
    section = text[text.index("\n[keys]\n") :]
    lines = re.findall(r"^# (\w+ = \"[^\"]*\")", section, re.MULTILINE)
    return tomllib.loads("\n".join(lines))


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_binding_id_is_in_the_sample_config_at_its_default(sample: str) -> None:
    shown = commented_bindings(SAMPLES[sample].read_text())
    assert set(shown) == REMAPPABLE_IDS
    # Uncommented, the sample is a valid remap (the TUI's own check).
    remaps = keymap(shown)
    assert remaps.problems == [] and remaps.keys == shown


def test_init_existing_writes_the_same_keys_section() -> None:
    assert set(commented_bindings("\n" + keys_section())) == REMAPPABLE_IDS


def test_the_tui_reference_lists_every_binding_id() -> None:
    doc = (ROOT / "docs" / "tui.md").read_text()
    listed = set(re.findall(r"^\| `(\w+)` \|", doc, re.MULTILINE))
    assert listed >= REMAPPABLE_IDS
