"""The scaffold preview: every file the scaffold step would write, with diffs, writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from martflow.core.models import ScaffoldPlan
from martflow.core.workflow.scaffolding import PlanningServices
from martflow.services.tickets import TicketPorts, ticket_and_spec


class ScaffoldPreviewPorts(TicketPorts, PlanningServices, Protocol):
    """The ticket and its spec, and what planning reads (manifest, warehouse, settings)."""


def scaffold_plan(
    context: ScaffoldPreviewPorts, key: str, force: bool = False, spec_override: Path | None = None
) -> ScaffoldPlan:
    """What ``scaffold KEY`` would write, from the manifest and the warehouse (the dry run).

    Blocks while the dbt worker reads the source tables' columns: call it from a worker.

    Raises:
        SpecError: the ticket's spec is missing or does not validate.
        ScaffoldError: the spec cannot be scaffolded (e.g. a source table has no columns).
    """
    from martflow.core.workflow.scaffolding import plan_scaffold

    ticket, spec = ticket_and_spec(context, key, spec_override)
    plan, _inputs = plan_scaffold(context, spec, ticket.key, ticket.summary, force)
    return plan
