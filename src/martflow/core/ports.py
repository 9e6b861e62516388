"""Protocols the domain needs; integrations implement them, context.py picks which."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from martflow.core.dictionary import DictionaryPage, PublishedPage
from martflow.core.document import Document
from martflow.core.inputs import ResolvedInput
from martflow.core.models import (
    ColumnInfo,
    ColumnProfile,
    Comment,
    PublishResult,
    ScaffoldPlan,
    SourceRef,
    TableInfo,
    Ticket,
    TicketSpec,
)
from martflow.core.project import ProjectIndex, Relation
from martflow.core.quoting import IdentifierPolicy
from martflow.core.reports import BuildReport, LintReport

if TYPE_CHECKING:
    from martflow.core.lint_fixes import FileFix  # difflib: not for the first frame

TransitionResult = Literal["moved", "already", "unreachable"]

DoctorLine = tuple[str, bool | None, str]
"""One line of an adapter's own setup checks: (name, ok, detail); ok None: skipped."""


@runtime_checkable
class SelfChecking(Protocol):
    """An optional capability any adapter may declare: checking its own setup.

    ``doctor`` runs an adapter's own checks instead of its default ones for that adapter
    (Jira checks reachability, authentication, the project and its statuses itself).
    """

    def doctor(self) -> list[DoctorLine]:
        """(name, ok, detail) lines, in order."""
        ...


def own_checks(adapter: object) -> list[DoctorLine] | None:
    """The adapter's own ``doctor()`` lines, or None when it does not declare the capability."""
    return adapter.doctor() if isinstance(adapter, SelfChecking) else None


@runtime_checkable
class Tracker(Protocol):
    """A ticket tracker: the local SQLite one or Jira.

    Adapters raise ``TicketNotFoundError`` for an unknown key, ``RemoteUnavailableError``
    for transient failures (with ``applied`` saying whether a write may have taken
    effect) and ``RemoteRejectedError`` for a permanent refusal.
    """

    def list_tickets(self, query: str | None = None) -> list[Ticket]:
        """Every ticket matching ``query`` (JQL for Jira; a text filter locally), newest first."""
        ...

    def ticket_pages(self, query: str | None = None) -> Iterator[list[Ticket]]:
        """The tickets of ``list_tickets`` a page at a time, each page as soon as it is read.

        A front end shows the first page at once and the rest as they come.
        """
        ...

    def get_ticket(self, key: str) -> Ticket:
        """One ticket with its description and comments."""
        ...

    def create_ticket(self, summary: str, description: str = "") -> Ticket:
        """File a new ticket in the first status of the workflow."""
        ...

    def statuses(self) -> list[str]:
        """Every status of the project's workflow, in order."""
        ...

    def transition(self, key: str, status: str) -> TransitionResult:
        """Move the ticket to ``status`` by a transition available now.

        Returns "already" if it is there, "unreachable" if no transition leads there.
        """
        ...

    def add_comment(self, key: str, body: Document, op_id: str) -> str:
        """Post ``body`` (rendered in the tracker's format) carrying the operation id.

        Returns the comment's id; a comment already carrying ``op_id`` is not posted again.
        """
        ...

    def find_comment(self, key: str, op_id: str) -> str | None:
        """The id of the comment carrying ``op_id``, if one was posted."""
        ...


class Repository(Protocol):
    """The analytics repository under git."""

    def start_branch(self, name: str, allowed_dirty: Sequence[str] = ()) -> str:
        """Create or check out ``name``; refuse a dirty tree outside ``allowed_dirty``."""
        ...

    def current_branch(self) -> str:
        """The checked-out branch; GitError on a detached HEAD."""
        ...

    def find_commit(self, run_marker: str) -> str | None:
        """The sha of a commit on HEAD carrying ``Martflow-Run: <run_marker>``."""
        ...

    def commit(self, paths: Sequence[str], message: str, run_marker: str) -> str:
        """Commit exactly ``paths`` with the trailer; return the sha."""
        ...

    def push(self, remote: str) -> None:
        """Push the current branch to ``remote``."""
        ...


class Warehouse(Protocol):
    """Source introspection through the project's dbt adapter."""

    def columns(self, tables: Sequence[SourceRef]) -> dict[SourceRef, list[ColumnInfo]]:
        """Real columns of every table, in one round trip."""
        ...

    def tables(self) -> list[TableInfo]:
        """Every table of the configured source schemas with its columns, in one round trip."""
        ...

    def relation_columns(
        self, relations: Sequence[Relation]
    ) -> list[tuple[ColumnInfo, ...] | None]:
        """Columns of each relation (None where the warehouse has no such relation)."""
        ...

    def schema_tables(
        self, schemas: Sequence[str]
    ) -> dict[str, list[tuple[str, tuple[ColumnInfo, ...]]]]:
        """Every table, with its columns, of each schema (of the target's database)."""
        ...

    def profile(
        self, tables: Sequence[tuple[Relation, Sequence[str]]]
    ) -> list[dict[str, ColumnProfile]]:
        """Each relation's named text columns profiled over a sample, one query per table."""
        ...


class Scaffolder(Protocol):
    """Plans and writes the dbt models a spec asks for."""

    def preload(self) -> None:
        """Start loading what ``plan`` needs in the background (returns at once)."""
        ...

    def plan(
        self,
        spec: TicketSpec,
        columns: Mapping[SourceRef, Sequence[ColumnInfo]],
        key: str,
        summary: str,
        force: bool = False,
        *,
        inputs: Sequence[ResolvedInput] | None = None,
        index: ProjectIndex | None = None,
        profiles: Mapping[SourceRef, Mapping[str, ColumnProfile]] | None = None,
    ) -> ScaffoldPlan:
        """Every file the spec would write, with diffs; writes nothing.

        ``columns`` are the real columns of every input; ``inputs`` say where each comes
        from (declared source, existing model...); ``index`` is the parsed project, so a
        taken model name fails before anything is written; ``profiles`` are the profiles
        of the columns ``profile_targets`` named. ``summary`` is untrusted ticket text,
        used only as data.
        """
        ...

    def profile_targets(
        self,
        spec: TicketSpec,
        columns: Mapping[SourceRef, Sequence[ColumnInfo]],
        inputs: Sequence[ResolvedInput] | None = None,
        index: ProjectIndex | None = None,
    ) -> dict[SourceRef, list[str]]:
        """Per raw table, the columns (warehouse names) whose profile decides cleaning."""
        ...

    def owned(self) -> set[str]:
        """The files martflow wrote and still owns, relative to the dbt project."""
        ...

    def apply(self, plan: ScaffoldPlan) -> list[Path]:
        """Write the plan's changes atomically; return the written paths.

        Raises ScaffoldError if the plan has conflicts (files martflow did not create).
        """
        ...


class SqlDialects(Protocol):
    """A lint dialect's rules for bare identifiers (sqlfluff's, behind this port)."""

    def preload(self, dialect: str) -> None:
        """Start loading ``dialect``'s rules in the background (returns at once)."""
        ...

    def identifier_policy(self, dialect: str) -> IdentifierPolicy:
        """Which names ``dialect`` cannot write bare. ScaffoldError: an unknown dialect."""
        ...


class TemplateRenderer(Protocol):
    """Renders a cookiecutter template folder (cookiecutter's engine, behind this port).

    No template hook ever runs; a template's Jinja error is a ScaffoldError naming the
    template file and line.
    """

    def preload(self) -> None:
        """Start loading the engine in the background (returns at once)."""
        ...

    def render_folder(self, template: Path, values: Mapping[str, object], output: Path) -> None:
        """Render ``template``'s tree, its variables set to ``values``, into ``output``."""
        ...

    def render_repo(self, template: Path, values: Mapping[str, str], staging: Path) -> Path:
        """Render the repo template under ``staging`` (no user cookiecutter config read);
        returns the rendered folder."""
        ...


class Linter(Protocol):
    """sqlfluff over the project's models."""

    def lint(self, paths: Sequence[Path], fix: bool = False) -> LintReport:
        """Lint (and optionally fix) the given files."""
        ...

    def preview_fixes(self, paths: Sequence[Path]) -> tuple[FileFix, ...]:
        """What ``lint(paths, fix=True)`` would rewrite, without writing anything."""
        ...

    def apply_fixes(self, fixes: Sequence[FileFix]) -> LintReport:
        """Write previewed fixes atomically (refusing if a file changed since), re-lint."""
        ...


ProgressCallback = Callable[[str], None]


class DbtRunner(Protocol):
    """dbt build of selected models, in a long-lived worker."""

    def build(
        self,
        select: Sequence[str],
        mart: str | None = None,
        on_event: ProgressCallback | None = None,
    ) -> BuildReport:
        """Run ``dbt build`` on the selection; results of this invocation only.

        When ``mart`` names a model, the report carries its row count.
        """
        ...

    def project_index(self) -> ProjectIndex:
        """The project's declared sources, models and seeds, from a parse (never ``dbt ls``).

        Raises DbtError when the project does not parse.
        """
        ...

    def show(self, model: str, limit: int = 20) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and up to ``limit`` rows of the built ``model`` (``dbt show``).

        ``model`` must be a plain identifier; values come back JSON-friendly (dates as ISO text).
        """
        ...

    def model_docs(self, model: str) -> dict[str, Any]:
        """What the manifest says of the built ``model`` and its columns in the warehouse.

        ``{"model": {name, description, relation, columns, tests}, "catalog": [{name,
        data_type}], "lineage": [{name, kind, relation, parents}]}`` (see
        ``core.dictionary.from_model_docs``). Raises DbtError if it was never built.
        """
        ...


class PublishJournal(Protocol):
    """Where a publish records work in flight (job ids), durably, as it goes."""

    def recall(self) -> Mapping[str, str]:
        """What an earlier, interrupted publish of this ticket recorded."""
        ...

    def record(self, values: Mapping[str, str]) -> None:
        """Merge ``values`` into the record now (an empty value forgets the key)."""
        ...


class BiPublisher(Protocol):
    """Publishes the mart as a workbook (local .twbx or Tableau Server)."""

    def publish(
        self,
        spec: TicketSpec,
        key: str,
        dry_run: bool = False,
        journal: PublishJournal | None = None,
    ) -> PublishResult:
        """Extract the mart and publish it; idempotent.

        A publisher that starts server-side jobs records their ids in ``journal``
        and, given the journal of an interrupted publish, waits on those jobs
        instead of publishing again.
        """
        ...


class PagePublisher(Protocol):
    """Publishes data dictionary pages (Confluence).

    Raises ``RemoteUnavailableError`` for transient failures and ``RemoteRejectedError``
    for a permanent refusal, like a tracker.
    """

    def publish_page(self, page: DictionaryPage) -> PublishedPage:
        """Create the page once, or update it in place only when its content changed.

        Looks the page up (by its martflow page property) before writing, so calling it
        again after any failure never makes a second page.
        """
        ...

    def check(self) -> str:
        """Read the space and the parent page (doctor); returns the space's name."""
        ...


@runtime_checkable
class RemoteLinks(Protocol):
    """A tracker that can link a ticket to a web page (Jira's remote links)."""

    def add_remote_link(self, key: str, url: str, title: str) -> str:
        """Link ``url`` from the ticket once per url; returns the link's id."""
        ...


class Comments(Protocol):
    """Read-only view of a ticket's comments (for reconciliation tests)."""

    def comments(self, key: str) -> list[Comment]: ...
