"""The six pipeline steps as plain functions of a StepContext, over the domain's ports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Protocol

from martflow.core.models import StepOutcome, TicketSpec
from martflow.core.naming import model_sql_files
from martflow.core.ports import BiPublisher, DbtRunner, Linter, Repository, Scaffolder, Warehouse
from martflow.core.safe_text import visible
from martflow.core.workflow import comments
from martflow.core.workflow.committing import (
    commit_message,
    commit_paths,
    push_branch,
    spec_file_path,
)
from martflow.core.workflow.documenting import documented_files
from martflow.core.workflow.engine import StepContext, StepFn
from martflow.core.workflow.outcomes import MAX_LISTED, build_outcome, lint_outcome, selects_from
from martflow.core.workflow.settings import PipelineSettings, load_ticket_spec
from martflow.errors import NothingToCommitError, UsageError


class Services(Protocol):
    """Lazily built adapters (the composition root provides them)."""

    @property
    def settings(self) -> PipelineSettings: ...
    def repository(self) -> Repository: ...
    def warehouse(self) -> Warehouse: ...
    def scaffolder(self) -> Scaffolder: ...
    def linter(self) -> Linter: ...
    def dbt(self) -> DbtRunner: ...
    def publisher(self) -> BiPublisher: ...


def model_names(spec: TicketSpec) -> list[str]:
    """The dbt models a spec scaffolds, from sources to mart (bare inputs exist already).

    A declared table with a staging model is reused instead: the scaffold step's
    ``models`` artifact says what was really generated.
    """
    from martflow.core.naming import intermediate_model, staging_model

    staging = [staging_model(s.source, s.table) for s in spec.sources if not s.is_ref]
    return [*staging, intermediate_model(spec.mart), spec.mart_model]


def build_steps(services: Services) -> dict[str, StepFn]:
    """Every step bound to ``services``."""
    settings = services.settings

    def start(context: StepContext) -> StepOutcome:
        from martflow.core.naming import branch_name

        summary = context.secrets.redact(context.ticket.summary)
        name = branch_name(settings.branch_pattern, context.key, summary)
        own = [".martflow", spec_file_path(settings.specs_dir, settings.root, context.key)]
        allowed = [*own, *context.files(), *documented_files(context)]
        services.repository().start_branch(name, allowed_dirty=allowed)
        return StepOutcome(
            ok=True,
            detail=f"on branch {name}",
            artifacts={"branch": name},
            comment=comments.started(name),
        )

    def scaffold(context: StepContext) -> StepOutcome:
        from martflow.core.workflow.scaffolding import plan_scaffold, repo_paths

        spec = load_ticket_spec(context, settings)
        context.emit(f"reading the project and the columns of {len(spec.sources)} inputs")
        force = bool(context.options.get("force"))
        # The summary becomes the mart's YAML description: no secret, nothing invisible.
        summary = visible(context.secrets.redact(context.ticket.summary))
        plan, inputs = plan_scaffold(services, spec, context.key, summary, force)
        conflicts = [f.path for f in plan.files if f.action == "conflict"]
        if conflicts:
            listed = ", ".join(conflicts[:MAX_LISTED])
            return StepOutcome(
                ok=False,
                detail=f"{len(conflicts)} files were not created by martflow: {listed} "
                "(use --force to overwrite)",
            )
        services.scaffolder().apply(plan)
        for warning in plan.warnings:
            context.emit(f"warning: {warning}")
        files = repo_paths(settings, [f.path for f in plan.files])
        created = sum(f.action == "create" for f in plan.files)
        updated = sum(f.action == "update" for f in plan.files)
        models = list(plan.models)
        used = [i.model for i in inputs if i.model]
        reused = f"; using {', '.join(used)} as they are" if used else ""
        warned = f"; {len(plan.warnings)} warning" if plan.warnings else ""
        return StepOutcome(
            ok=True,
            detail=(
                f"{len(models)} models; {created} files created, {updated} updated{reused}{warned}"
            ),
            artifacts={
                "files": files,
                "models": models,
                "mart": spec.mart_model,
                "inputs": [{"name": i.ref.name, "kind": i.kind, "model": i.model} for i in inputs],
                "grain": {"tests": list(plan.grain_tests), "fanout": list(plan.fanout)},
                "base": plan.base,
            },
            comment=comments.scaffolded(models, plan.warnings) + selects_from(used),
        )

    def lint(context: StepContext) -> StepOutcome:
        paths = [settings.root / f for f in model_sql_files(context.files())]
        if not paths:
            return StepOutcome(ok=False, detail="nothing to lint: run the scaffold step first")
        fix = bool(context.options.get("fix", settings.lint_fix))
        report = services.linter().lint(paths, fix=fix)
        # Fixes the TUI showed and wrote just before (its `f`): counted as this lint's.
        applied = context.options.get("fixed_before", 0)
        if isinstance(applied, int) and applied > 0:
            report = replace(report, fixed=report.fixed + applied)
        return lint_outcome(report)

    def build(context: StepContext) -> StepOutcome:
        models = context.artifacts.get("scaffold", {}).get("models")
        mart = context.artifacts.get("scaffold", {}).get("mart")
        if not models:
            return StepOutcome(ok=False, detail="nothing to build: run the scaffold step first")
        report = services.dbt().build(_names(models), mart=str(mart), on_event=context.emit)
        return build_outcome(report, str(mart), context.artifacts.get("scaffold", {}))

    def commit(context: StepContext) -> StepOutcome:
        try:
            summary = context.secrets.redact(context.ticket.summary)
            message = commit_message(context.key, summary, context.options)
        except UsageError as exc:
            # A typo in a local message is not news for the ticket: no comment.
            return StepOutcome(ok=False, detail=exc.message)
        written = [*context.files(), *documented_files(context)]
        paths = commit_paths(written, settings.specs_dir, settings.root, context.key)
        if not paths:
            return StepOutcome(ok=False, detail="nothing to commit: run the scaffold step first")
        repository = services.repository()
        push = bool(context.options.get("push", settings.push))
        try:
            sha = repository.commit(paths, message, context.pipeline_id)
        except NothingToCommitError:
            if not push:
                return StepOutcome(
                    ok=True,
                    detail=f"nothing to commit: the {len(paths)} files are already in HEAD",
                    artifacts={"files": paths, "pushed": False},
                )
            sha = ""  # already committed: a re-run pushes what an earlier push failed to
        push_error = push_branch(repository, settings.remote, context) if push else ""
        pushed = push and not push_error
        committed = f"commit {sha[:10]} ({len(paths)} files)" if sha else "already committed"
        if push_error:
            # The commit exists: the step succeeded, and the push is named as its own failure.
            detail = f"{committed}; push failed: {push_error} (run commit again to push)"
        else:
            detail = committed + (f" and pushed to {settings.remote}" if pushed else "")
        artifacts: dict[str, object] = {"files": paths, "pushed": pushed}
        if sha:
            artifacts["sha"] = sha
        if push_error:
            artifacts["push_error"] = push_error
        return StepOutcome(
            ok=True,
            detail=detail,
            artifacts=artifacts,
            comment=comments.committed(sha[:10], len(paths), settings.remote if pushed else None)
            if sha
            else None,
        )

    def publish(context: StepContext) -> StepOutcome:
        spec = load_ticket_spec(context, settings)
        result = services.publisher().publish(spec, context.key, journal=StepJournal(context))
        return StepOutcome(
            ok=True,
            detail=f"published to {result.location}",
            artifacts={"location": result.location, **result.artifacts},
            comment=comments.published(spec.dashboard or spec.mart, result.location),
            link=_web_link(result.location, spec.dashboard or spec.mart),
        )

    def document(context: StepContext) -> StepOutcome:
        from martflow.core.workflow.documenting import document

        # mypy: the composition root also provides DocumentServices (pages, write_text).
        return document(services, settings, context)  # type: ignore[arg-type]

    steps: dict[str, Callable[[StepContext], StepOutcome]] = {
        "start": start,
        "scaffold": scaffold,
        "lint": lint,
        "build": build,
        "document": document,
        "commit": commit,
        "publish": publish,
    }
    return steps


class StepJournal:
    """A ``PublishJournal`` kept in the step's ledger record (``StepContext.checkpoint``)."""

    def __init__(self, context: StepContext) -> None:
        self._context = context

    def recall(self) -> dict[str, str]:
        return self._context.in_flight

    def record(self, values: Mapping[str, str]) -> None:
        self._context.checkpoint(values)


def _web_link(location: str, title: str) -> tuple[str, str] | None:
    """A remote link for a published URL; a local file path gets none."""
    if not location.startswith(("https://", "http://")):
        return None
    return location, f"Dashboard: {title}"


def _names(value: object) -> list[str]:
    """The model names an artifact recorded (a list in the ledger's JSON)."""
    return [str(name) for name in value] if isinstance(value, list | tuple) else []
