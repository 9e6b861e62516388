"""The document step: the mart's data dictionary, as a file in the repo and a Confluence page.

The file (``docs/data-dictionary/<mart>.md``) is written here and committed with the
ticket by the commit step. The page goes through the outbox like a comment: delivery
finds it again by its page property, updates it only when its content hash changed,
and links it from the ticket once.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from martflow.core.dictionary import DictionaryPage, dictionary_path, from_model_docs
from martflow.core.dictionary_render import to_markdown, to_storage
from martflow.core.models import StepOutcome
from martflow.core.safe_text import visible
from martflow.core.workflow import comments
from martflow.core.workflow.settings import load_ticket_spec
from martflow.errors import ScaffoldError

if TYPE_CHECKING:
    from martflow.core.ports import DbtRunner, PagePublisher
    from martflow.core.workflow.engine import StepContext
    from martflow.core.workflow.settings import PipelineSettings


class DocumentServices(Protocol):
    """What the document step needs from the composition root."""

    def dbt(self) -> DbtRunner: ...

    def pages(self) -> PagePublisher | None:
        """The Confluence publisher, or None without ``[confluence] url``."""
        ...

    def write_text(self, path: Path, text: str) -> None:
        """Write a file of the repository atomically (its folder created as needed)."""
        ...


def documented_files(context: StepContext) -> list[str]:
    """The data dictionary the document step wrote (the commit step commits it)."""
    files = context.artifacts.get("document", {}).get("files")
    return [str(f) for f in files] if isinstance(files, list) else []


def document(
    services: DocumentServices, settings: PipelineSettings, context: StepContext
) -> StepOutcome:
    """Write the dictionary file; queue the Confluence page when ``[confluence]`` is set."""
    scaffolded = context.artifacts.get("scaffold", {})
    if not scaffolded.get("mart"):
        return StepOutcome(ok=False, detail="nothing to document: run the scaffold step first")
    spec = load_ticket_spec(context, settings)
    mart = str(scaffolded["mart"])
    pages = services.pages()  # a [confluence] without its token fails here, before any write
    context.emit(f"reading the columns, tests and lineage of {mart}")
    docs = services.dbt().model_docs(mart)
    # The summary is the mart's purpose: no secret, nothing invisible; escaped by renderers.
    purpose = visible(context.secrets.redact(context.ticket.summary))
    dictionary = from_model_docs(
        docs,
        ticket_key=context.key,
        purpose=purpose,
        grain=[str(g) for g in spec.grain],
        ticket_url=settings.ticket_url.replace("{key}", context.key),
    )
    relative = dictionary_path(dictionary.model)
    target = _inside(settings.root, relative)
    services.write_text(target, to_markdown(dictionary))
    page = None
    if pages is not None:
        page = DictionaryPage.of(dictionary, to_storage(dictionary))
    where = " and queued its Confluence page" if page else ""
    return StepOutcome(
        ok=True,
        detail=f"{relative}: {len(dictionary.columns)} columns, "
        f"{len(dictionary.sources)} sources{where}",
        artifacts={"files": [relative.as_posix()], "model": dictionary.model},
        comment=comments.documented(relative.as_posix(), len(dictionary.columns), page is not None),
        page=page.to_payload() if page else None,
    )


def _inside(root: Path, relative: PurePosixPath) -> Path:
    """``root / relative``, refused if a symlinked folder would take it outside ``root``."""
    target = root / relative
    existing = target.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.resolve().is_relative_to(root.resolve()):
        raise ScaffoldError(f"{relative} would be written outside the repository: refusing")
    return target
