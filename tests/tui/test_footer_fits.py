"""At 80x24 every hint the ticket screen's footer shows is on screen, `? Keys` included."""

from __future__ import annotations

from itertools import pairwise

import pytest
from textual.widgets._footer import FooterKey

from martflow.context import AppContext
from martflow.core.reports import LintReport
from martflow.core.workflow.outcomes import lint_outcome
from martflow.tui.app import MartflowApp
from tests.tui.pilot_support import open_ticket
from tests.tui.test_snapshots import LINT_FINDINGS, filed, record, shop, walked

__all__ = ["filed", "shop"]  # the fixtures this module borrows


def lint_failed(context: AppContext) -> None:
    walked(context, until="lint")
    record(context, "lint", lint_outcome(LintReport(5, LINT_FINDINGS)))


@pytest.mark.parametrize("state", ["lint failed", "built", "nothing run"])
async def test_every_footer_hint_fits_at_80_columns(filed: AppContext, state: str) -> None:
    if state == "lint failed":
        lint_failed(filed)
    elif state == "built":
        walked(filed, until="document")
    app = MartflowApp(filed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, "DEMO-1")
        await pilot.pause()
        keys = [key for key in screen.query(FooterKey) if key.display]
        shown = {key.description for key in keys}
        assert {"Tickets", "Keys", "Sync", "Quit"} <= shown
        if state == "lint failed":
            assert "Fix lint" in shown and "Preview" not in shown
        if state == "built":
            assert "Preview" in shown and "Fix lint" not in shown
        # No hint covers another (the palette's hint is docked right, over the last ones).
        spans = sorted((key.region.x, key.region.right, key.description) for key in keys)
        for (_, right, name), (left, _, covered) in pairwise(spans):
            assert right <= left, f"{name!r} overlaps {covered!r}"
        assert spans[-1][1] <= 80
