"""Order and direction: which steps must succeed before a step, which status moves go forward.

Statuses rank as follows (docs/reliability.md, "Order and direction"): a status named in
``[tracker.statuses]`` ranks by the first step that names it, in pipeline order; any other
status ranks just after the furthest of those the tracker's workflow lists before it (or
first, when the workflow lists none before it, like "To Do"). A status the workflow does
not list, or a workflow that lists the pipeline's statuses out of step order, cannot rank
it: then the move is made and the tracker decides, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence

from martflow.core.models import STEP_NAMES, StepState
from martflow.errors import MartflowError, StepOrderError

_log = logging.getLogger("martflow.engine")

DONE_STATES = frozenset({StepState.SUCCEEDED, StepState.SKIPPED})
"""States that let the following steps run."""


def unmet_predecessors(selection: Collection[str], states: Mapping[str, StepState]) -> list[str]:
    """Steps before the last selected one that are neither selected nor done, in order.

    ``run --from build`` needs start, scaffold and lint done; ``publish`` alone needs every
    earlier step; a plain ``run`` selects from the first step, so it needs nothing.
    """
    if not selection:
        return []
    last = max(STEP_NAMES.index(name) for name in selection)
    return [
        name
        for name in STEP_NAMES[:last]
        if name not in selection and states.get(name, StepState.PENDING) not in DONE_STATES
    ]


def order_problem(
    selection: Sequence[str], states: Mapping[str, StepState]
) -> StepOrderError | None:
    """Why ``selection`` cannot run now (steps before it have not succeeded), or None.

    The refused step is the first selected one after an unmet predecessor.
    """
    missing = unmet_predecessors(selection, states)
    if not missing:
        return None
    after = STEP_NAMES[STEP_NAMES.index(missing[0]) + 1 :]
    refused = next(name for name in after if name in selection)
    return StepOrderError(refused, missing)


class StatusDirection:
    """Where the ticket's status stands in the workflow, and whether a move goes forward.

    ``workflow`` (the tracker's statuses, in its order) is asked at most once, and only
    when a status outside the pipeline's must be placed; if it fails, such a status
    cannot be ranked and the move is allowed (the tracker decides, as before).
    """

    def __init__(
        self,
        current: str,
        pipeline: Sequence[str],
        workflow: Callable[[], Sequence[str]],
    ) -> None:
        self.current = current
        self._pipeline = _first_seen(pipeline)
        self._workflow_source = workflow
        self._workflow: list[str] | None = None

    @classmethod
    def for_steps(
        cls,
        current: str,
        status_for: Callable[[str], str | None],
        workflow: Callable[[], Sequence[str]],
    ) -> StatusDirection:
        """Ranks from the step -> status mapping, steps in pipeline order."""
        return cls(current, [s for s in map(status_for, STEP_NAMES) if s], workflow)

    def rank(self, status: str) -> float | None:
        """The status's place; None when it cannot be placed."""
        wanted = status.strip().casefold()
        if wanted in self._pipeline:
            return float(self._pipeline.index(wanted))
        workflow = self._workflow_statuses()
        if wanted not in workflow:
            return None
        before = [
            self._pipeline.index(s)
            for s in workflow[: workflow.index(wanted)]
            if s in self._pipeline
        ]
        return max(before) + 0.5 if before else -0.5

    def moves_back(self, target: str) -> bool:
        """True if moving from the current status to ``target`` goes backwards."""
        if target.strip().casefold() == self.current.strip().casefold():
            return False
        to, now = self.rank(target), self.rank(self.current)
        return to is not None and now is not None and to < now

    def advance(self, target: str) -> bool:
        """Accept a move to ``target`` unless it goes backwards; True if accepted."""
        if self.moves_back(target):
            return False
        self.current = target
        return True

    def _workflow_statuses(self) -> list[str]:
        if self._workflow is None:
            try:
                workflow = [s.strip().casefold() for s in self._workflow_source()]
            except MartflowError as exc:
                _log.warning("cannot read the tracker's workflow to order statuses: %s", exc)
                workflow = []
            places = [self._pipeline.index(s) for s in workflow if s in self._pipeline]
            if places != sorted(places):
                # Jira does not promise to list statuses in workflow order: an order that
                # contradicts the pipeline's says nothing about the statuses outside it.
                _log.info("the tracker lists the pipeline's statuses out of order: %s", workflow)
                workflow = []
            self._workflow = workflow
        return self._workflow


def _first_seen(statuses: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(s.strip().casefold() for s in statuses if s.strip()))
