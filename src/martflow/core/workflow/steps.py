"""The six pipeline steps as plain functions of a StepContext, over the domain's ports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from martflow.core.models import BuildReport, LintReport, StepOutcome, TicketSpec
from martflow.core.ports import BiPublisher, DbtRunner, Linter, Repository, Scaffolder, Warehouse
from martflow.core.workflow.engine import StepContext, StepFn
from martflow.errors import NothingToCommitError

MAX_LISTED = 5


@dataclass(frozen=True)
class PipelineSettings:
    """The configuration the steps need, already resolved to paths."""

    root: Path
    specs_dir: Path
    branch_pattern: str = "{key}-{slug}"
    remote: str = "origin"
    push: bool = False
    lint_fix: bool = True


class Services(Protocol):
    """Lazily built adapters (the composition root provides them)."""

    settings: PipelineSettings

    def repository(self) -> Repository: ...
    def warehouse(self) -> Warehouse: ...
    def scaffolder(self) -> Scaffolder: ...
    def linter(self) -> Linter: ...
    def dbt(self) -> DbtRunner: ...
    def publisher(self) -> BiPublisher: ...


def model_names(spec: TicketSpec) -> list[str]:
    """The dbt models a spec scaffolds, from sources to mart."""
    staging = [f"stg_{s.source}__{s.table}" for s in spec.sources]
    return [*staging, f"int_{spec.mart}__joined", spec.mart_model]


def load_ticket_spec(context: StepContext, settings: PipelineSettings) -> TicketSpec:
    """The ticket's spec: ``specs/KEY.yml`` if present, else the description."""
    from martflow.core.spec import load_spec

    override = context.options.get("spec_file")
    spec_file = Path(str(override)) if override else settings.specs_dir / f"{context.key}.yml"
    return load_spec(context.ticket.description, spec_file, key=context.key)


def build_steps(services: Services) -> dict[str, StepFn]:
    """Every step bound to ``services``."""
    settings = services.settings

    def start(context: StepContext) -> StepOutcome:
        from martflow.core.naming import branch_name

        name = branch_name(settings.branch_pattern, context.key, context.ticket.summary)
        own = [".martflow", _relative(settings.specs_dir, settings.root, context.key)]
        services.repository().start_branch(name, allowed_dirty=[*own, *context.files()])
        return StepOutcome(
            ok=True,
            detail=f"on branch {name}",
            artifacts={"branch": name},
            comment=f"martflow started work on this ticket on branch {{{{{name}}}}}.",
        )

    def scaffold(context: StepContext) -> StepOutcome:
        spec = load_ticket_spec(context, settings)
        context.emit(f"reading columns of {len(spec.sources)} source tables")
        columns = services.warehouse().columns(spec.sources)
        scaffolder = services.scaffolder()
        plan = scaffolder.plan(
            spec, columns, context.key, context.ticket.summary, bool(context.options.get("force"))
        )
        conflicts = [f.path for f in plan.files if f.action == "conflict"]
        if conflicts:
            listed = ", ".join(conflicts[:MAX_LISTED])
            return StepOutcome(
                ok=False,
                detail=f"{len(conflicts)} files were not created by martflow: {listed} "
                "(use --force to overwrite)",
            )
        scaffolder.apply(plan)
        files = [f.path for f in plan.files]
        created = sum(f.action == "create" for f in plan.files)
        updated = sum(f.action == "update" for f in plan.files)
        models = model_names(spec)
        return StepOutcome(
            ok=True,
            detail=f"{len(models)} models; {created} files created, {updated} updated",
            artifacts={"files": files, "models": models, "mart": spec.mart_model},
            comment="martflow scaffolded the models for this ticket:\n"
            + "\n".join(f"* {{{{{m}}}}}" for m in models),
        )

    def lint(context: StepContext) -> StepOutcome:
        paths = [settings.root / f for f in context.files() if f.endswith(".sql")]
        if not paths:
            return StepOutcome(ok=False, detail="nothing to lint: run the scaffold step first")
        report = services.linter().lint(paths, fix=settings.lint_fix)
        return _lint_outcome(report)

    def build(context: StepContext) -> StepOutcome:
        models = context.artifacts.get("scaffold", {}).get("models")
        mart = context.artifacts.get("scaffold", {}).get("mart")
        if not models:
            return StepOutcome(ok=False, detail="nothing to build: run the scaffold step first")
        report = services.dbt().build(list(models), mart=str(mart), on_event=context.emit)  # type: ignore[arg-type]
        return _build_outcome(report, str(mart))

    def commit(context: StepContext) -> StepOutcome:
        paths = list(context.files())
        spec_file = _relative(settings.specs_dir, settings.root, context.key)
        if (settings.root / spec_file).exists():
            paths.append(spec_file)
        if not paths:
            return StepOutcome(ok=False, detail="nothing to commit: run the scaffold step first")
        repository = services.repository()
        message = f"{context.key}: {_one_line(context.ticket.summary)}"
        try:
            sha = repository.commit(paths, message, context.pipeline_id)
        except NothingToCommitError:
            return StepOutcome(
                ok=True,
                detail=f"nothing to commit: the {len(paths)} files are already in HEAD",
                artifacts={"files": paths, "pushed": False},
            )
        pushed = bool(context.options.get("push", settings.push))
        if pushed:
            context.emit(f"pushing to {settings.remote}")
            repository.push(settings.remote)
        where = f" and pushed to {settings.remote}" if pushed else ""
        return StepOutcome(
            ok=True,
            detail=f"commit {sha[:10]} ({len(paths)} files){where}",
            artifacts={"sha": sha, "files": paths, "pushed": pushed},
            comment=f"martflow committed {len(paths)} files as {{{{{sha[:10]}}}}}{where}.",
        )

    def publish(context: StepContext) -> StepOutcome:
        spec = load_ticket_spec(context, settings)
        result = services.publisher().publish(spec, context.key)
        return StepOutcome(
            ok=True,
            detail=f"published to {result.location}",
            artifacts={"location": result.location, **result.artifacts},
            comment=f"martflow published the dashboard '{spec.dashboard or spec.mart}': "
            f"{result.location}",
            link=_web_link(result.location, spec.dashboard or spec.mart),
        )

    steps: dict[str, Callable[[StepContext], StepOutcome]] = {
        "start": start,
        "scaffold": scaffold,
        "lint": lint,
        "build": build,
        "commit": commit,
        "publish": publish,
    }
    return steps


def _web_link(location: str, title: str) -> tuple[str, str] | None:
    """A remote link for a published URL; a local file path gets none."""
    if not location.startswith(("https://", "http://")):
        return None
    return location, f"Dashboard: {title}"


def _lint_outcome(report: LintReport) -> StepOutcome:
    count = len(report.violations)
    fixed = f", {report.fixed} fixed" if report.fixed else ""
    if count == 0:
        return StepOutcome(
            ok=True,
            detail=f"{report.files} files clean{fixed}",
            artifacts={"files": report.files, "violations": 0, "fixed": report.fixed},
            comment=f"martflow linted {report.files} models with sqlfluff: clean{fixed}.",
        )
    first = [f"{v.path}:{v.line}:{v.column} {v.code} {v.description}" for v in report.violations]
    listed = "\n".join(f"* {line}" for line in first[:MAX_LISTED])
    more = f"\n(and {count - MAX_LISTED} more)" if count > MAX_LISTED else ""
    return StepOutcome(
        ok=False,
        detail=f"{count} violations in {report.files} files{fixed}; first: {first[0]}",
        artifacts={"files": report.files, "violations": count, "fixed": report.fixed},
        comment=f"martflow lint found {count} sqlfluff violations:\n{listed}{more}",
    )


def _build_outcome(report: BuildReport, mart: str) -> StepOutcome:
    models = [n for n in report.nodes if n.resource_type in {"model", "seed", "snapshot"}]
    tests = [n for n in report.nodes if n.resource_type == "test"]
    passed = [t for t in tests if t.status == "pass"]
    failures = report.failures
    rows = f"; {mart} has {report.mart_rows:,} rows" if report.mart_rows is not None else ""
    table = "||node||status||seconds||\n" + "\n".join(
        f"|{n.name}|{n.status}|{n.execution_time:.2f}|" for n in report.nodes
    )
    summary = f"{len(models)} models built, {len(passed)}/{len(tests)} tests passed{rows}"
    artifacts = {
        "invocation_id": report.invocation_id,
        "nodes": [
            {
                "name": n.name,
                "type": n.resource_type,
                "status": n.status,
                "seconds": n.execution_time,
            }
            for n in report.nodes
        ],
        "mart_rows": report.mart_rows,
    }
    if failures:
        names = ", ".join(n.name for n in failures[:MAX_LISTED])
        return StepOutcome(
            ok=False,
            detail=f"{len(failures)} failed: {names}",
            artifacts=artifacts,
            comment=f"martflow build failed: {len(failures)} failing ({names}).\n{table}",
        )
    return StepOutcome(
        ok=True,
        detail=summary,
        artifacts=artifacts,
        comment=f"martflow build passed: {summary}.\n{table}",
    )


def _relative(folder: Path, root: Path, key: str) -> str:
    path = folder / f"{key}.yml"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _one_line(text: str, limit: int = 72) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
