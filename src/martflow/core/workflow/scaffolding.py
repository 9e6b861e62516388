"""Planning a ticket's models against the project as it is: manifest, warehouse, templates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from martflow.core.inputs import ResolvedInput, input_columns, resolve_inputs
from martflow.core.models import ScaffoldPlan, TicketSpec
from martflow.core.ports import DbtRunner, Scaffolder, Warehouse
from martflow.errors import WarehouseError


class ScaffoldSettings(Protocol):
    """What planning needs from the configuration."""

    @property
    def root(self) -> Path: ...
    @property
    def project_dir(self) -> Path | None: ...
    @property
    def source_schemas(self) -> dict[str, str]: ...
    @property
    def reuse_staging(self) -> bool: ...


class PlanningServices(Protocol):
    """The adapters planning uses (the composition root provides them)."""

    @property
    def settings(self) -> ScaffoldSettings: ...
    def dbt(self) -> DbtRunner: ...
    def warehouse(self) -> Warehouse: ...
    def scaffolder(self) -> Scaffolder: ...


def plan_scaffold(
    services: PlanningServices, spec: TicketSpec, key: str, summary: str, force: bool = False
) -> tuple[ScaffoldPlan, list[ResolvedInput]]:
    """What scaffolding ``spec`` writes, from the manifest and the warehouse; writes nothing.

    The project's parse (in the warm dbt worker) says which inputs it declares already;
    one warehouse round trip reads every input's columns.

    Raises:
        SpecError: a bare input names no model or seed of the project.
        WarehouseError: an input's columns are known nowhere.
        ScaffoldError: the plan cannot be written (a model's name is taken, ...).
        DbtError: the project does not parse.
    """
    settings = services.settings
    services.scaffolder().preload()  # the lint dialect and templates load while dbt parses
    index = services.dbt().project_index()
    inputs = resolve_inputs(
        spec.sources,
        index,
        source_schemas=settings.source_schemas,
        reuse_staging=settings.reuse_staging,
        owned=services.scaffolder().owned(),
    )
    warehouse = services.warehouse()
    found = warehouse.relation_columns([item.relation for item in inputs])
    columns = input_columns(inputs, found, index)
    scaffolder = services.scaffolder()
    # The profile decides the cleaning: one query per raw table, bounded to a sample.
    targets = scaffolder.profile_targets(spec, columns, inputs=inputs, index=index)
    relations = {item.ref: item.relation for item in inputs}
    wanted = [(ref, names) for ref, names in targets.items() if ref in relations]
    warnings: tuple[str, ...] = ()
    try:
        measured = warehouse.profile([(relations[ref], names) for ref, names in wanted])
    except WarehouseError as exc:
        # Cleaning is an extra: without a profile, staging is generated as before.
        measured = [{} for _ in wanted]
        warnings = (f"no cleaning generated: {exc}",)
    profiles = {ref: found for (ref, _), found in zip(wanted, measured, strict=True)}
    plan = scaffolder.plan(
        spec, columns, key, summary, force, inputs=inputs, index=index, profiles=profiles
    )
    if warnings:
        plan = replace(plan, warnings=(*plan.warnings, *warnings))
    return plan, inputs


def repo_paths(settings: ScaffoldSettings, paths: Sequence[str]) -> list[str]:
    """Paths relative to the dbt project as the repository sees them (``transform/models/..``)."""
    project = settings.project_dir or settings.root
    try:
        prefix = project.resolve().relative_to(settings.root.resolve())
    except ValueError:
        return list(paths)  # the project lies outside the repository: keep them as they are
    return [(prefix / path).as_posix() for path in paths]
