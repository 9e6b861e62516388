"""What the steps are configured with (resolved paths), and the ticket spec they read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from martflow.core.models import TicketSpec
    from martflow.core.workflow.engine import StepContext


@dataclass(frozen=True)
class PipelineSettings:
    """The configuration the steps need, already resolved to paths."""

    root: Path
    specs_dir: Path
    branch_pattern: str = "{key}-{slug}"
    remote: str = "origin"
    push: bool = False
    lint_fix: bool = True
    project_dir: Path | None = None
    """The dbt project (default: the root); scaffolded paths are relative to it."""
    source_schemas: dict[str, str] = field(default_factory=dict)
    """Warehouse schema of each source the project does not declare."""
    reuse_staging: bool = True
    """Select from a declared table's existing staging model instead of generating one."""
    ticket_url: str = ""
    """A ticket's web page, ``{key}`` standing for its key (empty: the tracker has none)."""


def load_ticket_spec(context: StepContext, settings: PipelineSettings) -> TicketSpec:
    """The ticket's spec: ``specs/KEY.yml`` if present, else the description."""
    from martflow.core.spec import load_spec

    override = context.options.get("spec_file")
    spec_file = Path(str(override)) if override else settings.specs_dir / f"{context.key}.yml"
    return load_spec(context.ticket.description, spec_file, key=context.key)
