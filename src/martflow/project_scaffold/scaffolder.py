"""ProjectScaffolder: plan a spec's dbt models in memory, show the diff, write atomically."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from martflow.core.inputs import ResolvedInput
from martflow.core.models import (
    ColumnInfo,
    ColumnProfile,
    PlannedFile,
    ScaffoldPlan,
    SourceRef,
    TicketSpec,
)
from martflow.core.naming import intermediate_model, is_schema_name
from martflow.core.ports import SqlDialects, TemplateRenderer
from martflow.core.project import ProjectIndex, Relation
from martflow.errors import ScaffoldError, WarehouseError
from martflow.project_scaffold.atomic import atomic_write_text
from martflow.project_scaffold.blueprint import JoinStep, build_blueprint, partition_columns
from martflow.project_scaffold.contexts import (
    Rendering,
    intermediate_rendering,
    mart_rendering,
    staging_rendering,
)
from martflow.project_scaffold.governed import (
    GovernancePolicy,
    govern,
    notes,
    pii_columns,
    profile_targets,
    refuse_raw_pii,
)
from martflow.project_scaffold.manifest import MANIFEST_NAME, load_manifest, save_manifest, sha256
from martflow.project_scaffold.materialization import incremental_config, partition_config
from martflow.project_scaffold.naming import validate_identifier
from martflow.project_scaffold.properties import (
    grain_key,
    grain_tests,
    mart_models_yaml,
    sources_yaml,
    staging_models_yaml,
)
from martflow.project_scaffold.quality import checks_are_ours, checks_path, checks_sql
from martflow.project_scaffold.render import render, template_dir
from martflow.project_scaffold.staging import StagedTable, existing_table, stage_table


class ProjectScaffolder:
    """Implements ``core.ports.Scaffolder`` for a dbt project folder.

    Args:
        project_dir: the dbt project (holds dbt_project.yml).
        dialects: the lint dialects' identifier rules (sqlfluff's, from the composition root).
        renderer: the template engine (cookiecutter, from the composition root).
        models_dir: the models folder, relative to the project; nothing is written outside.
        templates_dir: a folder whose ``staging/``, ``intermediate/`` or ``mart/``
            cookiecutter templates replace martflow's own.
        state_dir: where the scaffold manifest lives (default ``<project>/.martflow``).
        source_schemas: warehouse schema of each source (default: the source's name).
        dialect: the sqlfluff dialect the project lints with; decides which names are quoted.
        mart_config: dbt ``config`` for the mart's properties (its materialization).
        freshness_hours: (warn, error) hours of the freshness block of a table an EL tool
            landed.
        governance: what staging does with personal data and profiled columns.
        max_null_rate: the most a mart's dimension or measure may be empty (0 to 1); None
            tests no null rate. ``null_rates`` overrides it per mart column.
    """

    def __init__(
        self,
        project_dir: Path,
        *,
        dialects: SqlDialects,
        renderer: TemplateRenderer,
        models_dir: str = "models",
        templates_dir: Path | None = None,
        state_dir: Path | None = None,
        source_schemas: Mapping[str, str] | None = None,
        dialect: str = "duckdb",
        mart_config: Mapping[str, str] | None = None,
        freshness_hours: tuple[int, int] = (24, 48),
        governance: GovernancePolicy | None = None,
        max_null_rate: float | None = None,
        null_rates: Mapping[str, float | None] | None = None,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.dialects = dialects
        self.renderer = renderer
        self.models_dir = models_dir.strip("/")
        self.models_root = (self.project_dir / self.models_dir).resolve()
        if self.models_root == self.project_dir or not self.models_root.is_relative_to(
            self.project_dir
        ):
            raise ScaffoldError(f"models_dir {models_dir!r} must be a folder inside the project")
        self.templates_dir = templates_dir
        self.state_dir = state_dir or self.project_dir / ".martflow"
        self.source_schemas = dict(source_schemas or {})
        self.dialect = dialect
        self.mart_config = dict(mart_config or {})
        self.freshness_hours = freshness_hours
        self.governance = governance or GovernancePolicy(dialect=dialect)
        self.max_null_rate = max_null_rate
        self.null_rates = dict(null_rates or {})
        self.checks_path = checks_path(self.project_dir)

    def preload(self) -> None:
        """Load the lint dialect's identifier rules and the template engine in the
        background, so they are ready when ``plan`` needs them (dbt starts meanwhile)."""
        self.dialects.preload(self.dialect)
        self.renderer.preload()

    @property
    def manifest_path(self) -> Path:
        return self.state_dir / MANIFEST_NAME

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

        ``inputs`` say where each spec input comes from (default: every one is a source
        the project does not declare); ``index`` is the project as parsed, to refuse a
        model name that exists already; ``profiles`` are the profiles of the columns
        ``profile_targets`` named, by table and warehouse column name. ``summary`` and
        ``key`` are untrusted: they reach only the mart's YAML description.

        Raises:
            ScaffoldError: before anything is written, e.g. a generated model's name is taken.
        """
        if not spec.sources:
            raise ScaffoldError("sources: the spec names no source table")
        staged = []
        marked: dict[str, set[str]] = {}
        for item, table, pii in self._staged(spec, columns, inputs, index):
            if table.generated:
                found = (profiles or {}).get(table.ref, {})
                table = govern(spec, table, pii, found, self.governance)
            staged.append((item, table))
            marked[table.ref.table] = pii
        blueprint = build_blueprint(spec, [table for _, table in staged])
        refuse_raw_pii(blueprint.selected, {t.ref.table: t for _, t in staged}, marked)
        models = {t.ref.table: t.model for _, t in staged}
        contents: dict[str, str] = {}
        merged: set[str] = set()
        for path, source, tables in self._sources_files(staged):
            contents[path] = sources_yaml(
                self._read(path), path, source, self._schema(source), tables, self.freshness_hours
            )
            merged.add(path)
        by_source: dict[str, list[StagedTable]] = {}
        for _, table in staged:
            if table.generated:
                by_source.setdefault(table.ref.source, []).append(table)
        for source, tables in by_source.items():
            for table in tables:
                contents.update(self._render("staging", staging_rendering(table)))
            path = f"{self.models_dir}/staging/{source}/_{source}__models.yml"
            contents[path] = staging_models_yaml(
                self._read(path), tables, blueprint.relationships, models
            )
        policy = self.dialects.identifier_policy(self.dialect)
        contents.update(self._render("intermediate", intermediate_rendering(blueprint, policy)))
        contents.update(self._render("mart", mart_rendering(blueprint)))
        mart_yml = f"{self.models_dir}/marts/_{spec.mart}__models.yml"
        layout, warning = partition_config(partition_columns(blueprint), self.dialect)
        config = {**self.mart_config, **layout}
        if spec.incremental is not None:  # replaces the configured materialization
            config = {**incremental_config(self.dialect, grain_key(blueprint)), **layout}
        contents[mart_yml] = mart_models_yaml(
            blueprint, key, summary, config, self.max_null_rate, self.null_rates
        )
        manifest = load_manifest(self.manifest_path)
        if checks_are_ours(self.project_dir, self.checks_path, manifest):
            contents[self.checks_path] = checks_sql()
        if index is not None:
            _refuse_taken_names(contents, index, manifest)
        generated = [t.model for _, t in staged if t.generated]
        return ScaffoldPlan(
            tuple(
                self._planned(path, text, manifest, force or path in merged)
                for path, text in contents.items()
            ),
            models=(*generated, intermediate_model(spec.mart), spec.mart_model),
            grain_tests=grain_tests(blueprint),
            fanout=tuple(_describe_join(step) for step in blueprint.fanout_suspects()),
            base=blueprint.tables[0].model,
            warnings=(warning,) if warning else (),
            governance=tuple(notes([t for _, t in staged if t.generated])),
        )

    def profile_targets(
        self,
        spec: TicketSpec,
        columns: Mapping[SourceRef, Sequence[ColumnInfo]],
        inputs: Sequence[ResolvedInput] | None = None,
        index: ProjectIndex | None = None,
    ) -> dict[SourceRef, list[str]]:
        """The text columns (warehouse names) of each generated staging model's raw table
        whose profile decides their cleaning; none when cleaning is off."""
        if not self.governance.clean:
            return {}
        targets = {}
        for _, table, pii in self._staged(spec, columns, inputs, index):
            if table.generated and (names := profile_targets(spec, table, pii)):
                targets[table.ref] = names
        return targets

    def _staged(
        self,
        spec: TicketSpec,
        columns: Mapping[SourceRef, Sequence[ColumnInfo]],
        inputs: Sequence[ResolvedInput] | None,
        index: ProjectIndex | None,
    ) -> list[tuple[ResolvedInput, StagedTable, set[str]]]:
        """Each input, its staged table as the warehouse has it, and its PII columns."""
        policy = self.dialects.identifier_policy(self.dialect)
        resolved = {i.ref: i for i in inputs or ()}
        staged = []
        for ref in spec.sources:
            item = resolved.get(ref) or ResolvedInput(
                ref, "source", Relation("", self._schema(ref.source), ref.table)
            )
            cols = self._columns(ref, columns)
            if item.generates_staging:
                table = stage_table(ref, cols, policy)
            else:
                table = existing_table(ref, item.model, cols)
            declared = index.source(ref.source, ref.table) if index and ref.source else None
            marked = declared.pii_columns if declared is not None else ()
            staged.append((item, table, pii_columns(spec, table, marked)))
        return staged

    def _sources_files(
        self, staged: Sequence[tuple[ResolvedInput, StagedTable]]
    ) -> list[tuple[str, str, list[StagedTable]]]:
        """(YAML file, source, tables to add): martflow's own file for a new source, the
        declaring file for a new table of a declared source; a declared table needs none."""
        files: dict[tuple[str, str], list[StagedTable]] = {}
        for item, table in staged:
            source = table.ref.source
            if item.kind == "source":
                path = f"{self.models_dir}/staging/{source}/_{source}__sources.yml"
            elif item.kind == "new_table":
                path = item.sources_file
            else:
                continue
            files.setdefault((path, source), []).append(table)
        return [(path, source, tables) for (path, source), tables in files.items()]

    def owned(self) -> set[str]:
        """Files martflow wrote whose content it still recognizes (project-relative)."""
        owned = set()
        for path, digest in load_manifest(self.manifest_path).items():
            try:
                data = (self.project_dir / path).read_bytes()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest() == digest:
                owned.add(path)
        return owned

    def apply(self, plan: ScaffoldPlan) -> list[Path]:
        """Write the plan's changes atomically, then the manifest; return written paths.

        Raises:
            ScaffoldError: the plan has conflicts, or a path leaves the models folder.
        """
        conflicts = [f.path for f in plan.files if f.action == "conflict"]
        if conflicts:
            raise ScaffoldError(
                "refusing to overwrite files martflow did not write (scaffold with --force "
                "to replace them): " + ", ".join(conflicts)
            )
        targets = [(f, self._inside_models(f.path)) for f in plan.files]
        for planned, target in targets:
            if planned.action == "create" and target.exists():
                raise ScaffoldError(f"{planned.path} appeared after planning; plan again")
        manifest = load_manifest(self.manifest_path)
        before = dict(manifest)
        written: list[Path] = []
        for planned, target in targets:
            if planned.action in {"create", "update"}:
                atomic_write_text(target, planned.content)
                written.append(target)
            # An unchanged file holds exactly what martflow would write: adopt it.
            manifest[planned.path] = sha256(planned.content)
        if manifest != before:
            save_manifest(self.manifest_path, manifest)
        return written

    def _columns(
        self, ref: SourceRef, columns: Mapping[SourceRef, Sequence[ColumnInfo]]
    ) -> Sequence[ColumnInfo]:
        if ref.source:
            validate_identifier(ref.source, "source")
        validate_identifier(ref.table, f"table of {ref.source}" if ref.source else "input")
        if ref not in columns:
            raise WarehouseError(f"no columns were read for {ref.name}; does the table exist?")
        return columns[ref]

    def _schema(self, source: str) -> str:
        schema = self.source_schemas.get(source, source)
        if not is_schema_name(schema):
            raise ScaffoldError(f"schema {schema!r} of source {source!r} is not an identifier")
        return schema

    def _render(self, name: str, rendering: Rendering) -> dict[str, str]:
        rendered = render(rendering, template_dir(name, self.templates_dir), self.renderer)
        return {f"{self.models_dir}/{rel}": text for rel, text in rendered.items()}

    def _inside_models(self, path: str) -> Path:
        """The absolute path of ``path``, refused unless it resolves inside the models folder
        (or is the generic tests file, inside the project)."""
        target = (self.project_dir / path).resolve()
        root = self.project_dir if path == self.checks_path else self.models_root
        if Path(path).is_absolute() or not target.is_relative_to(root):
            raise ScaffoldError(f"{path} is outside {self.models_dir}/; refusing to write it")
        if target == self.models_root or target.is_dir():
            raise ScaffoldError(f"{path} is a folder, not a file")
        return target

    def _read(self, path: str) -> str | None:
        target = self._inside_models(path)
        try:
            return target.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None

    def _planned(self, path: str, text: str, manifest: dict[str, str], force: bool) -> PlannedFile:
        target = self._inside_models(path)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            return PlannedFile(path, text, "create", _diff(path, None, text))
        current = data.decode("utf-8", errors="replace")
        if current == text:
            return PlannedFile(path, text, "unchanged")
        ours = manifest.get(path) == hashlib.sha256(data).hexdigest()
        if force or ours:
            return PlannedFile(path, text, "update", _diff(path, current, text))
        return PlannedFile(path, text, "conflict", _diff(path, current, text))


def _describe_join(step: JoinStep) -> str:
    conditions = " and ".join(f"{old} = {new}" for old, new in step.conditions)
    return f"{step.table} ({conditions})"


def _refuse_taken_names(
    contents: Mapping[str, str], index: ProjectIndex, ours: Mapping[str, str]
) -> None:
    """A model martflow would write whose name the project uses for a node of its own.

    Only a file martflow wrote itself (listed in its scaffold manifest, at the same path)
    may be planned again; even --force never replaces a team's model.
    """
    for path in contents:
        if not path.endswith(".sql"):
            continue
        name = PurePosixPath(path).stem
        node = index.node(name)
        if node is not None and not (node.path == path and path in ours):
            raise ScaffoldError(
                f"the {node.kind} {name} already exists at {node.path}; martflow will not "
                f"write a model of that name at {path}: rename the mart, or name the "
                f"existing {node.kind} in sources to select from it"
            )


def _diff(path: str, old: str | None, new: str) -> str:
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile="/dev/null" if old is None else f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(lines)
