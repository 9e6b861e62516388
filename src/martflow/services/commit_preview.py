"""What the commit step would commit: the files the pipeline wrote and the ticket's spec file."""

from __future__ import annotations

from martflow.core.workflow.committing import commit_paths
from martflow.services.ports import HasProject
from martflow.services.step_results import record_of
from martflow.services.tickets import TicketView


def commit_files(context: HasProject, view: TicketView) -> list[str]:
    """The scaffold and document steps' files, plus ``specs/KEY.yml`` if it exists (as the
    step does)."""
    files: list[str] = []
    for step in ("scaffold", "document"):
        record = record_of(view.steps, step)
        written = record.artifacts.get("files", []) if record is not None else []
        files += [str(path) for path in written] if isinstance(written, list) else []
    project = context.project
    return commit_paths(files, project.specs_dir, project.root, view.ticket.key)
