"""Server mode: publish the extract and the workbook to Tableau Server / Cloud with TSC."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from martflow.config import TableauConfig
from martflow.core.models import PublishResult, TicketSpec
from martflow.core.retry import RetryPolicy
from martflow.errors import AuthenticationError, ConfigError, MartflowError
from martflow.integrations.tableau.faults import TOKEN_VARIABLE, RetryAfterProbe, translate
from martflow.integrations.tableau.package import MartReader, build_package, model_name

API_VERSION = "3.19"
"""REST API version spoken (Tableau Server 2023.1 and later; PATs need 3.6+)."""

T = TypeVar("T")


class Secrets(Protocol):
    def get(self, env_var: str) -> str | None: ...
    def how_to_set(self, env_var: str) -> str: ...


class TableauServerPublisher:
    """Publishes ``<mart_model>`` as a data source and a workbook, both in Overwrite mode.

    Every call has the configured timeout and goes through the retry policy; each
    publish signs in with the personal access token and signs out at the end.
    """

    def __init__(
        self,
        reader: MartReader,
        config: TableauConfig,
        secrets: Secrets,
        state_dir: Path,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.reader = reader
        self.config = config
        self.secrets = secrets
        self.state_dir = Path(state_dir)
        self.policy = policy or RetryPolicy()
        self._probe = RetryAfterProbe()

    def publish(self, spec: TicketSpec, key: str, dry_run: bool = False) -> PublishResult:
        """Build the .twbx, publish it and its extract; ``dry_run`` touches nothing."""
        name = model_name(spec)
        self._check_config()
        target = {
            "server": self.config.server_url,
            "site": self.config.site,
            "project": self.config.project,
            "datasource": name,
            "workbook": name,
        }
        if dry_run:
            where = f"project '{self.config.project}' on {self.config.server_url}"
            return PublishResult(
                location=f"would publish workbook and data source '{name}' to {where}",
                artifacts=target,
            )
        secret = self.secrets.get(TOKEN_VARIABLE)
        if not secret:
            raise AuthenticationError(
                f"no Tableau token secret: {self.secrets.how_to_set(TOKEN_VARIABLE)} "
                f"for the token named {self.config.token_name!r}"
            )
        build = self.state_dir / "tableau" / name
        package = build_package(
            self.reader, spec, build, build / f"{name}.twbx", self.state_dir / "logs" / "hyper"
        )
        ids = self._publish_files(name, package.hyper, package.twbx, secret)
        return PublishResult(location=ids["workbook_url"], artifacts={**package.artifacts(), **ids})

    def _check_config(self) -> None:
        for field in ("server_url", "token_name", "project"):
            if not getattr(self.config, field):
                raise ConfigError(f"[tableau] {field} is empty: set it for mode = 'server'")

    def _publish_files(self, name: str, hyper: Path, twbx: Path, secret: str) -> dict[str, str]:
        # TSC pulls in requests and its models; loaded only when publishing to a server.
        import requests
        import tableauserverclient as tsc

        def session() -> requests.Session:
            s = requests.Session()
            s.hooks["response"].append(self._probe.hook)
            return s

        server = tsc.Server(
            self.config.server_url,
            http_options={"timeout": self.config.timeout},
            session_factory=session,
        )
        server.version = API_VERSION
        auth = tsc.PersonalAccessTokenAuth(self.config.token_name, secret, site_id=self.config.site)
        self._read("sign in to Tableau", lambda: server.auth.sign_in(auth))
        try:
            project_id = self._project_id(server, tsc)
            overwrite = tsc.Server.PublishMode.Overwrite
            datasource = self._write(
                f"publish data source {name!r}",
                lambda: server.datasources.publish(
                    tsc.DatasourceItem(project_id, name=name), str(hyper), overwrite
                ),
            )
            workbook = self._write(
                f"publish workbook {name!r}",
                lambda: server.workbooks.publish(
                    tsc.WorkbookItem(project_id, name=name, show_tabs=True), str(twbx), overwrite
                ),
            )
        finally:
            self._sign_out(server)
        return {
            "project_id": project_id,
            "datasource_id": str(datasource.id),
            "workbook_id": str(workbook.id),
            "workbook_url": workbook.webpage_url or self._workbook_url(str(workbook.id)),
        }

    def _project_id(self, server: Any, tsc: Any) -> str:
        wanted = self.config.project

        def find() -> str | None:
            found = [
                p
                for p in server.projects.filter(name=wanted)
                if p.name == wanted and not p.parent_id
            ]
            return str(found[0].id) if found else None

        existing = self._read(f"look up project {wanted!r}", find)
        if existing:
            return existing
        created = self._write(
            f"create project {wanted!r}",
            lambda: server.projects.create(tsc.ProjectItem(name=wanted)),
            reconcile=find,
        )
        return str(created if isinstance(created, str) else created.id)

    def _workbook_url(self, workbook_id: str) -> str:
        base = self.config.server_url.rstrip("/")
        site = f"/site/{quote(self.config.site, safe='')}" if self.config.site else ""
        return f"{base}/#{site}/workbooks/{workbook_id}"

    def _sign_out(self, server: Any) -> None:
        # The session expires on its own; a failed sign-out loses nothing.
        with contextlib.suppress(Exception):
            server.auth.sign_out()

    def _call(self, action: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except MartflowError:
            raise
        except Exception as exc:
            raise translate(exc, action, self._probe.take()) from None

    def _read(self, action: str, fn: Callable[[], T]) -> T:
        return self.policy.read(lambda: self._call(action, fn))

    def _write(
        self, action: str, fn: Callable[[], T], reconcile: Callable[[], Any] | None = None
    ) -> Any:
        # Overwrite mode makes a resent publish converge, so without a reconcile we resend.
        return self.policy.write(
            lambda: self._call(action, fn),
            (lambda: self._call(action, reconcile)) if reconcile else (lambda: None),
        )
