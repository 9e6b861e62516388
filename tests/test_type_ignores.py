"""Every ``# type: ignore`` names its error code and says why (a ``# mypy:`` line above it)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "martflow"
_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[-a-z, ]+\])?")


def unexplained_ignores(root: Path) -> list[str]:
    """``path:line`` of each ignore without a code, or without a reason on the line above."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            match = _IGNORE.search(line)
            if match is None:
                continue
            above = lines[number - 2].strip() if number > 1 else ""
            if not match.group("codes") or not above.startswith("# mypy: "):
                found.append(f"{path.relative_to(root)}:{number}")
    return found


def test_every_type_ignore_has_a_code_and_a_reason():
    assert unexplained_ignores(SRC) == []


def test_the_check_finds_a_bare_ignore(tmp_path):
    (tmp_path / "m.py").write_text(
        "x = f()  # type: ignore\n"
        "# mypy: g is untyped\n"
        "y = g()  # type: ignore[no-untyped-call]\n"
        "z = h()  # type: ignore[arg-type]\n"
    )
    assert unexplained_ignores(tmp_path) == ["m.py:1", "m.py:4"]
