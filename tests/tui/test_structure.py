"""The TUI's structure: no import cycles, dialogs that never reach back into screens."""

from __future__ import annotations

import grimp


def test_no_import_cycle_in_the_tui() -> None:
    """Every import in martflow.tui points one way: no module reaches back (even for types)."""
    graph = grimp.build_graph("martflow")
    tui = sorted(m for m in graph.modules if m.startswith("martflow.tui"))
    cycles = [
        (module, imported)
        for module in tui
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("martflow.tui") and graph.find_shortest_chain(imported, module)
    ]
    assert cycles == []


def test_dialogs_and_panels_import_no_screen_and_not_the_app() -> None:
    """Dialogs return values and panels show a view: neither imports a screen or the app."""
    graph = grimp.build_graph("martflow")
    leaves = [
        m for m in graph.modules if m.startswith(("martflow.tui.dialogs", "martflow.tui.panels"))
    ]
    reaching_back = {
        (module, imported)
        for module in leaves
        for imported in graph.find_modules_directly_imported_by(module)
        if imported == "martflow.tui.app"
        or (imported.startswith("martflow.tui.screens") and imported != "martflow.tui.screens.base")
    }
    assert reaching_back == set()
