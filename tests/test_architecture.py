"""The structure rules ``docs/architecture.md`` states, checked on the source tree."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

SOURCE = Path(__file__).resolve().parents[1] / "src" / "martflow"
HOUSE_SIZE = 400
"""The most lines a module may have (the house size: small modules with one job each)."""


def test_no_module_is_over_the_house_size() -> None:
    sizes = {
        path.relative_to(SOURCE.parent).as_posix(): len(path.read_text().splitlines())
        for path in SOURCE.rglob("*.py")
    }
    over = {name: lines for name, lines in sizes.items() if lines > HOUSE_SIZE}
    assert len(sizes) > 100  # the walk found the package
    assert over == {}, f"modules over {HOUSE_SIZE} lines: split them by job"


def import_cycles(package: str) -> list[list[str]]:
    """One shortest cycle through each module import that leads back to its importer.

    Every import counts: top-level, inside a function, under ``TYPE_CHECKING``.
    """
    graph = grimp.build_graph(package, cache_dir=None)
    cycles: dict[frozenset[str], list[str]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycle = [importer, *back]
                cycles.setdefault(frozenset(cycle), cycle)
    return list(cycles.values())


def test_no_import_cycles_in_martflow() -> None:
    cycles = import_cycles("martflow")
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        cycles = import_cycles("cyclic")
    finally:
        sys.path.remove(str(tmp_path))
    assert cycles == [["cyclic.a", "cyclic.b", "cyclic.a"]]
