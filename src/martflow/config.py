"""config.toml -> a typed, validated Config; where the file is found; project paths.

Each section is a frozen dataclass whose fields carry docstrings; `config_schema` reads
TOML into it strictly, and offers pydantic's model interface on it (docs/configuration.md
says why the schema is not pydantic: the TUI's first frame reads this file).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from martflow.config_quality import QualityConfig
from martflow.config_schema import (
    EXTRA,
    Above,
    AtLeast,
    Finite,
    SchemaError,
    Section,
    read_section,
    validates,
)
from martflow.core.models import STEP_NAMES
from martflow.core.naming import branch_pattern_problem, is_bare_name
from martflow.errors import ConfigError

CONFIG_FILENAME = "config.toml"
CONFIG_ENV = "MARTFLOW_CONFIG"

Seconds = Annotated[float, Finite(), Above(0)]
"""A time in seconds: a finite number above zero (an integer is fine)."""


class _Section(Section):
    """A config section: a frozen dataclass read strictly (unknown keys refused)."""


@dataclass(frozen=True)
class StatusesConfig(_Section):
    """Step -> the status a ticket moves to when that step succeeds."""

    start: str = "In Progress"
    """Status after the branch is created."""
    scaffold: str = "In Progress"
    """Status after the models are written."""
    lint: str = "In Progress"
    """Status after the models lint clean."""
    build: str = "In Progress"
    """Status after dbt builds and tests pass."""
    document: str = "In Progress"
    """Status after the data dictionary is written."""
    commit: str = "In Review"
    """Status after the models are committed."""
    publish: str = "Done"
    """Status after the workbook is published."""

    def for_step(self, step: str) -> str | None:
        """The configured status for ``step`` (empty string means: don't move)."""
        return getattr(self, step, None) or None


@dataclass(frozen=True)
class TrackerConfig(_Section):
    """Where tickets live."""

    kind: Literal["local", "jira"] = "local"
    """`local` (SQLite under .martflow/) or `jira`."""
    project: str = "DEMO"
    """Project key; local tickets are numbered PROJECT-N."""
    url: str = ""
    """Jira base URL (jira only)."""
    jql: str = ""
    """Tickets to list; default `project = <project> ORDER BY created DESC`."""
    user: str = ""
    """Jira Cloud account email (basic auth); empty for Data Center (bearer token)."""
    auth: Literal["basic", "bearer"] = "basic"
    """`basic` (Cloud: user + API token) or `bearer` (Data Center personal access token)."""
    timeout: Seconds = 30
    """Seconds before a tracker request gives up."""
    workflow: Annotated[list[str], AtLeast(1)] = field(
        default_factory=lambda: ["To Do", "In Progress", "In Review", "Done"]
    )
    """Statuses of the local tracker, in order; new tickets start in the first."""
    statuses: StatusesConfig = StatusesConfig()
    """Step -> status after success."""
    transition_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Target status -> the fields its transition screen requires (jira only), e.g.
    `Done = { resolution = "Done" }`; a field by id or name, a value by name or as REST JSON."""

    @validates("project")
    @classmethod
    def _project_key(cls, value: str) -> str:
        if not (value.isascii() and value.isalnum() and value[:1].isalpha() and value.isupper()):
            raise ValueError("must be upper-case letters and digits, starting with a letter")
        return value

    @property
    def effective_jql(self) -> str:
        return self.jql or f"project = {self.project} ORDER BY created DESC"


@dataclass(frozen=True)
class DbtConfig(_Section):
    """How to run dbt."""

    project_dir: str = "."
    """The dbt project, relative to config.toml."""
    profiles_dir: str = "."
    """The folder holding profiles.yml, relative to config.toml (`~` allowed, e.g. `~/.dbt`)."""
    target: str = ""
    """dbt target; empty = the profile's default."""
    pass_env: list[str] = field(default_factory=list)
    """Environment variables dbt may read (profiles.yml `env_var`), e.g. `["PGPASSWORD"]`."""

    @validates("pass_env")
    @classmethod
    def _variable_names(cls, value: list[str]) -> list[str]:
        from martflow.secrets import SECRET_VARIABLES

        bad = [name for name in value if not is_bare_name(name)]
        if bad:
            raise ValueError(f"not environment variable names: {', '.join(map(repr, bad))}")
        secret = next((n for n in value if n in SECRET_VARIABLES), None)
        if secret is not None:
            raise ValueError(f"{secret} is martflow's own secret; it never reaches dbt")
        return value


@dataclass(frozen=True)
class ModelsConfig(_Section):
    """How martflow's generated marts are materialized."""

    mart_materialization: Literal["table", "view", "materialized_view"] | None = None
    """`table`, `view` or `materialized_view` (a dynamic table on Snowflake); unset = the
    project's dbt_project.yml decides."""
    target_lag: str = "1 hour"
    """Snowflake dynamic tables: how stale the mart may get (dbt-snowflake `target_lag`)."""
    snowflake_warehouse: str = ""
    """Snowflake dynamic tables: the warehouse refreshing them; empty = the target's."""


@dataclass(frozen=True)
class ScaffoldConfig(_Section):
    """Where and how models are scaffolded."""

    models_dir: str = "models"
    """The dbt models folder, relative to the dbt project."""
    templates_dir: str = ""
    """Your own model templates (staging/, intermediate/, mart/); empty = martflow's."""
    source_schemas: dict[str, str] = field(default_factory=dict)
    """Warehouse schema of a source the project does not declare (else: its name); a declared
    source uses its YAML's."""
    reuse_staging: bool = True
    """Select a declared table through its existing staging model instead of generating one."""
    freshness_warn_hours: Annotated[int, Above(0)] = 24
    """Source freshness of a table an EL tool landed: warn when its last sync is older."""
    freshness_error_hours: Annotated[int, Above(0)] = 48
    """Source freshness of a table an EL tool landed: error when its last sync is older."""
    pii: Literal["hash", "mask", "drop"] = "hash"
    """What staging does with a personal-data column (spec `pii`, or `meta: {pii: true}`):
    `hash` (salted with MARTFLOW_PII_SALT), `mask` its letters and digits, or `drop` it."""
    clean: bool = True
    """Generate cleaning from a profile of the data: text flags become booleans,
    low-cardinality categories are trimmed and lower-cased (a spec's `clean` switches it)."""


@dataclass(frozen=True)
class LintConfig(_Section):
    """sqlfluff settings (the project's .sqlfluff holds the rules)."""

    dialect: str | None = None
    """sqlfluff dialect; unset = the project's .sqlfluff (else duckdb)."""
    templater: Literal["jinja", "dbt"] | None = None
    """`jinja` or `dbt` (needs sqlfluff-templater-dbt); unset = .sqlfluff's (else jinja)."""
    fix: bool = True
    """Apply sqlfluff's fixes in the lint step."""
    rules: list[str] = field(default_factory=list)
    """Rules to run; empty = the .sqlfluff file's selection."""


@dataclass(frozen=True)
class GitConfig(_Section):
    """Branches, commits and pushes."""

    branch: str = "{key}-{slug}"
    """Branch name pattern: {key} and {slug} (from the summary)."""
    remote: str = "origin"
    """Remote to push to."""
    push: bool = False
    """Push after committing."""
    default_branch: str = "main"
    """The branch `lint --changed` compares against (local, else on the remote); after --base
    and the CI's variables."""
    pass_env: list[str] = field(default_factory=list)
    """More environment variables git and its hooks may see (secrets never pass)."""

    @validates("branch")
    @classmethod
    def _branch_pattern(cls, pattern: str) -> str:
        problem = branch_pattern_problem(pattern)
        if problem is not None:
            raise ValueError(problem)
        return pattern

    @validates("pass_env")
    @classmethod
    def _no_secret_variables(cls, names: list[str]) -> list[str]:
        from martflow.secrets import SECRET_VARIABLES

        secret = next((n for n in names if n in SECRET_VARIABLES), None)
        if secret is not None:
            raise ValueError(f"{secret} is a secret; martflow never passes it to git")
        return names


@dataclass(frozen=True)
class TableauConfig(_Section):
    """Where workbooks go."""

    mode: Literal["local", "server"] = "local"
    """`local` writes a .twbx to output_dir; `server` publishes with tableauserverclient."""
    output_dir: str = "dashboards"
    """Local output folder, relative to config.toml."""
    server_url: str = ""
    """Tableau Server / Cloud URL (server mode)."""
    site: str = ""
    """Site content URL; empty = the default site."""
    project: str = "martflow"
    """Tableau project to publish into (created if missing)."""
    token_name: str = ""
    """Personal access token name; the secret comes from TABLEAU_TOKEN_SECRET or the keyring."""
    timeout: Seconds = 60
    """Seconds before a Tableau request gives up."""
    connection: Literal["extract", "live"] = "extract"
    """`extract` packs a .hyper of the mart; `live` connects the workbook to the warehouse."""
    embed_credentials: bool = False
    """Server mode, live: embed the warehouse password (from the environment) when publishing."""


@dataclass(frozen=True)
class ConfluenceConfig(_Section):
    """Data dictionary pages (optional)."""

    url: str = ""
    """Confluence base URL (Cloud: `https://<site>.atlassian.net/wiki`); empty = the data
    dictionary stays a file in the repository."""
    space: str = ""
    """Space key for data dictionary pages."""
    parent: str = ""
    """Id of the page the dictionary pages go under; empty = the space's top level."""
    user: str = ""
    """Account email (Cloud, basic auth); empty = a personal access token (Data Center).
    The token comes from CONFLUENCE_API_TOKEN or the keyring."""
    timeout: Seconds = 30
    """Seconds before a Confluence request gives up."""


@dataclass(frozen=True)
class KeysConfig(_Section):
    """TUI key bindings: binding id -> key (e.g. `run_all = "ctrl+r"`)."""

    model_extra: dict[str, Any] = field(default_factory=dict, metadata={EXTRA: True})
    """Every key of the section; the TUI checks the ids and keys when it opens."""


@dataclass(frozen=True)
class Config(_Section):
    """The whole config.toml."""

    tracker: TrackerConfig = TrackerConfig()
    dbt: DbtConfig = DbtConfig()
    models: ModelsConfig = ModelsConfig()
    scaffold: ScaffoldConfig = ScaffoldConfig()
    quality: QualityConfig = QualityConfig()  # noqa: RUF009 (frozen, so shared safely)
    lint: LintConfig = LintConfig()
    git: GitConfig = GitConfig()
    tableau: TableauConfig = TableauConfig()
    confluence: ConfluenceConfig = ConfluenceConfig()
    keys: KeysConfig = KeysConfig()


class Project:
    """A loaded configuration and the folders it points at."""

    def __init__(self, config: Config, path: Path | None) -> None:
        self.config = config
        self.config_path = path
        self.root = path.parent if path else Path.cwd()

    @property
    def state_dir(self) -> Path:
        """`.martflow/`: ledger, local tracker, caches, logs."""
        return self.root / ".martflow"

    @property
    def dbt_project_dir(self) -> Path:
        return (self.root / self.config.dbt.project_dir).resolve()

    @property
    def dbt_profiles_dir(self) -> Path:
        return (self.root / Path(self.config.dbt.profiles_dir).expanduser()).resolve()

    @property
    def models_dir(self) -> Path:
        return self.dbt_project_dir / self.config.scaffold.models_dir

    @property
    def specs_dir(self) -> Path:
        return self.root / "specs"

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.tableau.output_dir

    def dotenv_files(self) -> list[Path]:
        """``.env`` files dbt would load: in the dbt project and at the repository root."""
        folders = dict.fromkeys([self.dbt_project_dir, self.root.resolve()])
        return [folder / ".env" for folder in folders if (folder / ".env").is_file()]


DOTENV_WARNING = (
    "dbt (1.12 and later) loads it into the environment of every run, where env_var() "
    "can copy its values into target/, logs and docs; keep secrets out of it "
    "(martflow never commits it)"
)
"""Why a ``.env`` file next to the dbt project deserves a warning."""


def find_config(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The config file: --config, then $MARTFLOW_CONFIG, then walking up from cwd."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file (from --config)")
        return explicit.resolve()
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file (from ${CONFIG_ENV})")
        return path.resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
    return None


def load_project(explicit: Path | None = None, cwd: Path | None = None) -> Project:
    """Find and validate config.toml; with none found, the defaults rooted at cwd."""
    path = find_config(explicit, cwd)
    if path is None:
        return Project(Config(), None)
    return Project(parse_config(path), path)


def parse_config(path: Path) -> Config:
    """Parse and validate one config file; errors name the file, key and nearest valid key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return read_section(Config, data)
    except SchemaError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def step_status(config: Config, step: str) -> str | None:
    """The status configured for ``step``, validated against the step names."""
    if step not in STEP_NAMES:
        raise ConfigError(f"unknown step {step!r}; steps are {', '.join(STEP_NAMES)}")
    return config.tracker.statuses.for_step(step)
