"""What the commit step would commit: the files the pipeline wrote and the ticket's spec file."""

from __future__ import annotations

from martflow.context import AppContext
from martflow.services.tickets import TicketView, spec_file


def commit_files(context: AppContext, view: TicketView) -> list[str]:
    """The scaffold step's files, plus ``specs/KEY.yml`` if it exists (as the step does)."""
    scaffold = next((s for s in view.steps if s.name == "scaffold"), None)
    written = scaffold.artifacts.get("files", []) if scaffold is not None else []
    files = [str(path) for path in written] if isinstance(written, list) else []
    spec = spec_file(context, view.ticket.key)
    if spec.exists():
        try:
            files.append(spec.relative_to(context.project.root).as_posix())
        except ValueError:
            files.append(spec.as_posix())
    return files
