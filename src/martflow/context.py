"""The composition root: config -> concrete integrations. The only module that picks adapters."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from martflow.config import Project, load_project
from martflow.core.secret_scan import SecretScanner
from martflow.core.workflow.ledger import Ledger
from martflow.errors import ConfigError, WarehouseError
from martflow.secrets import SECRETS

if TYPE_CHECKING:
    from martflow.config import TrackerConfig
    from martflow.core.ports import (
        BiPublisher,
        DbtRunner,
        Linter,
        PagePublisher,
        Repository,
        Scaffolder,
        SqlDialects,
        TemplateRenderer,
        Tracker,
        Warehouse,
    )
    from martflow.core.workflow.engine import Engine
    from martflow.core.workflow.events import EventSink
    from martflow.core.workflow.settings import PipelineSettings
    from martflow.integrations.dbt import DbtProcessRunner
    from martflow.integrations.tracker.jira import JiraTracker
    from martflow.secrets import SecretStore


class AppContext:
    """Builds each adapter on first use (heavy imports stay out of start-up)."""

    def __init__(self, project: Project, on_event: EventSink | None = None) -> None:
        # Secrets leave the environment before any child process (git, dbt, hyperd) starts.
        SECRETS.capture_environment()
        self.project = project
        self.config = project.config
        self.on_event = on_event
        """Where the engine's events go by default (None: nowhere)."""
        self._lock = threading.Lock()
        self._dbt: DbtProcessRunner | None = None
        self._linter: Any = None
        self._pages: PagePublisher | None = None

    @classmethod
    def load(cls, config_path: Path | None = None, on_event: EventSink | None = None) -> AppContext:
        """Find config.toml the usual way and build a context on it."""
        return cls(load_project(config_path), on_event)

    @cached_property
    def settings(self) -> PipelineSettings:
        from martflow.core.workflow.settings import PipelineSettings

        git = self.config.git
        return PipelineSettings(
            root=self.project.root,
            specs_dir=self.project.specs_dir,
            branch_pattern=git.branch,
            remote=git.remote,
            push=git.push,
            lint_fix=self.config.lint.fix,
            project_dir=self.project.dbt_project_dir,
            source_schemas=dict(self.config.scaffold.source_schemas),
            reuse_staging=self.config.scaffold.reuse_staging,
            ticket_url=(
                f"{self.config.tracker.url.rstrip('/')}/browse/{{key}}"
                if self.config.tracker.kind == "jira" and self.config.tracker.url
                else ""
            ),
        )

    @cached_property
    def secret_scanner(self) -> SecretScanner:
        """Checks commits and tracker posts for the secrets this configuration uses."""
        return SecretScanner(self._known_secrets)

    def _known_secrets(self) -> dict[str, str]:
        # Read what the configuration uses now (keyring included), so a secret that
        # only the publish step would read is already known when the commit is checked.
        config = self.config
        used = {
            "MARTFLOW_PII_SALT": config.scaffold.pii == "hash",
            "JIRA_API_TOKEN": config.tracker.kind == "jira",
            "TABLEAU_TOKEN_SECRET": config.tableau.mode == "server",
            "CONFLUENCE_API_TOKEN": bool(config.confluence.url),
        }
        for name, needed in used.items():
            if needed:
                SECRETS.get(name)
        return SECRETS.named_values()

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.project.state_dir / "state.db")

    @cached_property
    def tracker(self) -> Tracker:
        tracker_config = self.config.tracker
        if tracker_config.kind == "local":
            from martflow.integrations.tracker.local import LocalTracker

            return LocalTracker(
                self.project.state_dir / "tracker.db",
                project=tracker_config.project,
                workflow=tracker_config.workflow,
            )
        return jira_tracker(tracker_config, SECRETS)

    def engine(self, on_event: EventSink | None = None) -> Engine:
        """An engine over this context's ledger, tracker and steps."""
        # Loaded on first run, not at start-up: the TUI's ticket list needs neither.
        from martflow.core.workflow.engine import Engine
        from martflow.core.workflow.events import ignore
        from martflow.core.workflow.steps import build_steps

        return Engine(
            self.ledger,
            self.tracker,
            build_steps(self),
            self.config.tracker.statuses.for_step,
            on_event=on_event or self.on_event or ignore,
            scanner=self.secret_scanner,
            pages=self.pages,
        )

    # -- Services (core.workflow.steps) ------------------------------------------------

    def repository(self) -> Repository:
        from martflow.integrations.git import GitRepository

        return GitRepository(
            self.project.root, pass_env=self.config.git.pass_env, scanner=self.secret_scanner
        )

    def default_branch_ref(self) -> str | None:
        """``[git] default_branch`` as a ref that exists (local, else on the remote), or None."""
        from martflow.integrations.changes import branch_ref

        git = self.config.git
        return branch_ref(self.project.root, git.default_branch, git.remote)

    def dbt(self) -> DbtRunner:
        return self._dbt_process()

    def _dbt_process(self) -> DbtProcessRunner:
        """The warm dbt worker, started on first use (adapters share it)."""
        with self._lock:
            if self._dbt is None:
                from martflow.integrations.dbt import DbtProcessRunner

                # dbt's own target/ and logs/ of martflow's runs go under .martflow/, so
                # martflow leaves nothing in the project and never touches the team's
                # target/manifest.json (their state comparisons use it).
                state = self.project.state_dir
                self._dbt = DbtProcessRunner(
                    self.project.dbt_project_dir,
                    self.project.dbt_profiles_dir,
                    self.config.dbt.target or None,
                    extra_env={
                        **self.dbt_env(),
                        "DBT_TARGET_PATH": str(state / "dbt" / "target"),
                        "DBT_LOG_PATH": str(state / "dbt" / "logs"),
                    },
                    log_path=state / "logs" / "dbt-worker.log",
                    source_freshness=self.config.quality.source_freshness,
                )
            return self._dbt

    def dbt_env(self) -> dict[str, str]:
        """The variables ``[dbt] pass_env`` hands to dbt (read as secrets: redacted in logs),
        and the PII salt as each warehouse's session reads it (see project_scaffold/pii.py)."""
        values = {name: SECRETS.get(name) for name in self.config.dbt.pass_env}
        env = {name: value for name, value in values.items() if value}
        if self.config.scaffold.pii == "hash":
            from martflow.project_scaffold.pii import SALT_VARIABLE, salt_environment

            salt = SECRETS.get(SALT_VARIABLE)
            if salt:
                env.update(salt_environment(salt, env.get("PGOPTIONS", "")))
        return env

    def pii_salt_missing(self) -> str:
        """How to set the PII salt when it is not set; "" when it is."""
        from martflow.project_scaffold.pii import SALT_VARIABLE

        return "" if SECRETS.get(SALT_VARIABLE) else SECRETS.how_to_set(SALT_VARIABLE)

    def warehouse(self) -> Warehouse:
        from martflow.integrations.warehouse import DbtWarehouse

        return DbtWarehouse(
            self._dbt_process(),
            self.project.dbt_project_dir,
            self.config.scaffold.source_schemas,
        )

    def ping_warehouse(self) -> str:
        """``select 1`` through the profile's adapter (doctor); WarehouseError says what's wrong."""
        from martflow.integrations.warehouse import ping

        given = self.dbt_env()
        if missing := [name for name in self.config.dbt.pass_env if name not in given]:
            raise WarehouseError(
                f"{', '.join(missing)} not set: [dbt] pass_env hands it to dbt for profiles.yml"
            )
        return ping(self._dbt_process())

    def templates_dir(self) -> Path | None:
        """``[scaffold] templates_dir`` checked (ConfigError when unusable); None: martflow's."""
        from martflow.project_scaffold.render import check_templates_dir

        setting = self.config.scaffold.templates_dir
        if not setting:
            return None
        folder = self.project.root / setting
        check_templates_dir(folder)
        return folder

    def own_templates(self) -> tuple[Path, list[str], list[str]] | None:
        """``[scaffold] templates_dir`` checked, the templates it replaces, those it leaves."""
        from martflow.project_scaffold.render import TEMPLATE_NAMES, check_templates_dir

        folder = self.templates_dir()
        if folder is None:
            return None
        own = check_templates_dir(folder)
        return folder, own, [name for name in TEMPLATE_NAMES if name not in own]

    def scaffolder(self) -> Scaffolder:
        from martflow.project_scaffold.governed import GovernancePolicy
        from martflow.project_scaffold.materialization import mart_config
        from martflow.project_scaffold.scaffolder import ProjectScaffolder

        templates = self.templates_dir()
        models = self.config.models
        dialect = self.config.lint.dialect or "duckdb"
        quality = self.config.quality
        return ProjectScaffolder(
            self.project.dbt_project_dir,
            dialects=self.sql_dialects(),
            renderer=template_renderer(),
            models_dir=self.config.scaffold.models_dir,
            templates_dir=templates,
            state_dir=self.project.state_dir,
            source_schemas=self.config.scaffold.source_schemas,
            dialect=dialect,
            mart_config=mart_config(
                models.mart_materialization,
                dialect,
                models.target_lag,
                models.snowflake_warehouse,
            ),
            freshness_hours=(
                self.config.scaffold.freshness_warn_hours,
                self.config.scaffold.freshness_error_hours,
            ),
            governance=GovernancePolicy(
                mode=self.config.scaffold.pii,
                clean=self.config.scaffold.clean,
                dialect=dialect,
                salt_missing=self.pii_salt_missing,
            ),
            max_null_rate=quality.rate_of(quality.max_null_rate),
            null_rates={c: quality.rate_of(r) for c, r in quality.null_rates.items()},
        )

    def sql_dialects(self) -> SqlDialects:
        """The lint dialects' identifier rules (sqlfluff's)."""
        from martflow.integrations.sqlfluff_dialects import SqlfluffDialects

        return SqlfluffDialects()

    def linter(self) -> Linter:
        """The project's linter; one per context, so its sqlfluff ``Linter`` is reused."""
        with self._lock:
            if self._linter is None:
                from martflow.integrations.lint import SqlfluffLinter

                lint = self.config.lint
                self._linter = SqlfluffLinter(
                    self.project.dbt_project_dir,
                    dialect=lint.dialect,
                    templater=lint.templater,
                    rules=lint.rules,
                    cache_dir=self.project.state_dir / "lint-cache",
                )
            return self._linter

    def publisher(self) -> BiPublisher:
        from martflow.integrations.mart_reader import AdapterMartReader

        # The mart is read by the warm dbt worker, through the adapter that built it.
        reader = AdapterMartReader(self._dbt_process())
        if self.config.tableau.mode == "server":
            from martflow.integrations.tableau.server import TableauServerPublisher
            from martflow.integrations.tableau.server_settings import ServerSettings

            tableau = self.config.tableau
            settings = ServerSettings(
                server_url=tableau.server_url,
                site=tableau.site,
                project=tableau.project,
                token_name=tableau.token_name,
                timeout=tableau.timeout,
                connection=tableau.connection,
                embed_credentials=tableau.embed_credentials,
            )
            return TableauServerPublisher(reader, settings, SECRETS, self.project.state_dir)
        from martflow.integrations.tableau.local import LocalTableauPublisher

        return LocalTableauPublisher(
            reader,
            self.project.output_dir,
            self.project.state_dir,
            connection=self.config.tableau.connection,
        )

    def pages(self) -> PagePublisher | None:
        """The Confluence publisher (``[confluence]``), or None when no url is set.

        Raises ConfigError when the url is set but the space or the token is missing.
        """
        confluence = self.config.confluence
        if not confluence.url:
            return None
        with self._lock:
            if self._pages is None:
                from martflow.integrations.confluence import ConfluencePages

                self._pages = ConfluencePages.from_settings(
                    confluence.url,
                    confluence.space,
                    SECRETS,
                    user=confluence.user,
                    parent=confluence.parent,
                    timeout=confluence.timeout,
                )
            return self._pages

    def write_text(self, path: Path, text: str) -> None:
        """Write ``path`` atomically (temp file, fsync, replace), creating its folder."""
        from martflow.project_scaffold.atomic import atomic_write_text

        atomic_write_text(path, text)

    def interrupt(self) -> None:
        """Stop the dbt invocation in flight, if any; the build step then fails as cancelled."""
        dbt = self._dbt
        if dbt is not None:
            dbt.interrupt()

    def close(self) -> None:
        """Stop the dbt worker, if one was started."""
        with self._lock:
            if self._dbt is not None:
                self._dbt.close()
                self._dbt = None


def jira_tracker(config: TrackerConfig, secrets: SecretStore) -> JiraTracker:
    """The Jira tracker ``[tracker]`` describes; ConfigError names the setting at fault."""
    try:
        from martflow.integrations.tracker.jira import JiraTracker
    except ImportError:
        raise ConfigError(
            "[tracker] kind = 'jira' is not available in this build; use kind = 'local'"
        ) from None

    return JiraTracker.from_settings(
        config.url,
        config.project,
        secrets,
        user=config.user,
        auth=config.auth,
        jql=config.jql,
        timeout=config.timeout,
        wanted_statuses=[v for v in config.statuses.model_dump().values() if v],
        transition_fields=config.transition_fields,
    )


def template_renderer() -> TemplateRenderer:
    """The template engine (cookiecutter) for scaffolding, ``init`` and ``demo``."""
    from martflow.integrations.cookiecutter_templates import CookiecutterRenderer

    return CookiecutterRenderer()
