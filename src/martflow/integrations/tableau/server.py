"""Server mode: publish the extract and the workbook to Tableau Server / Cloud with TSC."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from martflow.core.models import PublishResult, TicketSpec
from martflow.core.ports import DoctorLine, PublishJournal
from martflow.core.retry import RetryPolicy
from martflow.errors import (
    AuthenticationError,
    ConfigError,
    MartflowError,
    PublishError,
    RemoteUnavailableError,
)
from martflow.integrations.tableau.faults import (
    TOKEN_VARIABLE,
    RetryAfterProbe,
    session_expired,
    translate,
)
from martflow.integrations.tableau.package import (
    MartReader,
    build_live_workbook,
    build_package,
    dry_run_sketch,
    model_name,
)
from martflow.integrations.tableau.server_doctor import run_doctor
from martflow.integrations.tableau.server_settings import MemoryJournal, Secrets, ServerSettings

API_VERSION = "3.19"
"""REST API version spoken (Tableau Server 2023.1 and later; PATs need 3.6+)."""

T = TypeVar("T")
JOB_WAIT = 4 * 3600.0
"""How long one run waits on a publish job (a large extract takes a while)."""
JOB_POLL_FIRST, JOB_POLL_MAX = 0.5, 30.0


class TableauServerPublisher:
    """Publishes ``<mart_model>`` as a data source and a workbook, both in Overwrite mode.

    Every call has the configured timeout and goes through the retry policy; each
    publish signs in with the personal access token and signs out at the end.
    """

    def __init__(
        self,
        reader: MartReader,
        config: ServerSettings,
        secrets: Secrets,
        state_dir: Path,
        policy: RetryPolicy | None = None,
        job_wait: float = JOB_WAIT,
    ) -> None:
        self.reader = reader
        self.config = config
        self.secrets = secrets
        self.state_dir = Path(state_dir)
        self.policy = policy or RetryPolicy()
        self.job_wait = job_wait
        """Seconds to wait on one publish job before leaving it for the next run."""
        self._probe = RetryAfterProbe()
        self._signed_in: Callable[[], Any] | None = None
        """Signs in again while a publish runs (None outside one)."""

    def publish(
        self,
        spec: TicketSpec,
        key: str,
        dry_run: bool = False,
        journal: PublishJournal | None = None,
    ) -> PublishResult:
        """Build the .twbx, publish it and its extract as jobs; ``dry_run`` touches nothing.

        Each upload starts a server-side job whose id goes into ``journal`` before the
        wait, so a run that dies while Tableau works resumes the wait next time
        instead of uploading (and adding a revision) again.
        """
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
            where = f"{self.config.server_url}, project '{self.config.project}'"
            location = f"{where}, workbook and data source '{name}'"
            live = self.config.connection == "live"
            png = self.state_dir / "tableau" / name / f"{name}.sketch.png"
            drawn, text, sketch_at = dry_run_sketch(self.reader, spec, key, live, png)
            return PublishResult(location, {**target, **drawn}, text, sketch_at)
        secret = self.secrets.get(TOKEN_VARIABLE)
        if not secret:
            raise AuthenticationError(
                f"no Tableau token secret: {self.secrets.how_to_set(TOKEN_VARIABLE)} "
                f"for the token named {self.config.token_name!r}"
            )
        if self.config.connection == "live":
            return self._publish_live(spec, key, secret, journal or MemoryJournal())
        build = self.state_dir / "tableau" / name
        package = build_package(
            self.reader,
            spec,
            build,
            build / f"{name}.twbx",
            self.state_dir / "logs" / "hyper",
            key,
        )
        ids = self._publish_files(
            name, package.hyper, package.twbx, secret, journal or MemoryJournal()
        )
        return PublishResult(location=ids["workbook_url"], artifacts={**package.artifacts(), **ids})

    def _publish_live(
        self, spec: TicketSpec, key: str, secret: str, journal: PublishJournal
    ) -> PublishResult:
        """Publish a .twb that queries the warehouse: no extract, no data source item.

        The warehouse password is embedded only with ``[tableau] embed_credentials = true``,
        taken from the environment; otherwise viewers sign in to the warehouse themselves.
        """
        name = model_name(spec)
        twb = self.state_dir / "tableau" / name / f"{name}.twb"
        live = build_live_workbook(self.reader, spec, twb, key)
        credentials = None
        if self.config.embed_credentials:
            password = self.secrets.get(live.password_variable)
            if not password:
                raise AuthenticationError(
                    f"[tableau] embed_credentials = true needs the {live.adapter} password "
                    f"in {live.password_variable}"
                )
            credentials = (live.server, live.port, live.username, password)
        ids = self._publish_files(name, None, twb, secret, journal, credentials)
        return PublishResult(location=ids["workbook_url"], artifacts={"twb": str(twb), **ids})

    def connect(self, secret: str) -> tuple[Any, Any]:
        """A TSC server (timeout, Retry-After probe) and the token sign-in (TSC loads here)."""
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
        return server, auth

    def doctor(self) -> list[DoctorLine]:
        """(name, ok, detail) lines: signed in, the project; ok None: skipped."""
        return run_doctor(self)

    def _check_config(self) -> None:
        for field in ("server_url", "token_name", "project"):
            if not getattr(self.config, field):
                raise ConfigError(f"[tableau] {field} is empty: set it for mode = 'server'")

    def _publish_files(
        self,
        name: str,
        hyper: Path | None,
        twbx: Path,
        secret: str,
        journal: PublishJournal,
        credentials: tuple[str, int, str, str] | None = None,
    ) -> dict[str, str]:
        """Publish the extract (unless ``hyper`` is None: a live workbook) and the workbook."""
        import tableauserverclient as tsc

        server, auth = self.connect(secret)
        self._signed_in = lambda: server.auth.sign_in(auth)
        self._read("sign in to Tableau", self._signed_in)
        try:
            project_id = self._project_id(server, tsc)
            overwrite = tsc.Server.PublishMode.Overwrite
            datasource = None
            if hyper is not None:
                datasource = self._as_job(
                    server,
                    journal,
                    f"data source {name!r}",
                    "datasource_job",
                    lambda: server.datasources.publish(
                        tsc.DatasourceItem(project_id, name=name),
                        str(hyper),
                        overwrite,
                        as_job=True,
                    ),
                )
            connections = _embedded(tsc, credentials) if credentials else None
            workbook = self._as_job(
                server,
                journal,
                f"workbook {name!r}",
                "workbook_job",
                lambda: server.workbooks.publish(
                    tsc.WorkbookItem(project_id, name=name, show_tabs=True),
                    str(twbx),
                    overwrite,
                    connections=connections,
                    as_job=True,
                ),
            )
            datasource_id = datasource and (
                datasource.datasource_id
                or self._find("data source", server.datasources, name, project_id)
            )
            workbook_id = workbook.workbook_id or self._find(
                "workbook", server.workbooks, name, project_id
            )
        finally:
            self._signed_in = None
            self._sign_out(server)
        ids = {
            "project_id": project_id,
            "workbook_id": workbook_id,
            "workbook_url": self._workbook_url(workbook_id),
            "workbook_job": workbook.id,
        }
        if datasource is not None:
            ids.update(datasource_id=datasource_id, datasource_job=datasource.id)
        return ids

    def _as_job(
        self,
        server: Any,
        journal: PublishJournal,
        what: str,
        entry: str,
        start: Callable[[], Any],
    ) -> Any:
        """Publish through a server-side job and wait for it; resume a recorded one."""
        recorded = journal.recall().get(entry)
        if recorded:
            job = self._wait(server, recorded, what, journal, entry)
            if job is not None:
                return job
        job = self._write(f"publish {what}", start)
        journal.record({entry: str(job.id)})
        finished = self._wait(server, str(job.id), what, journal, entry)
        if finished is None:
            raise PublishError(f"Tableau lost its job {job.id} publishing {what}; publish again")
        return finished

    def _wait(
        self, server: Any, job_id: str, what: str, journal: PublishJournal, entry: str
    ) -> Any | None:
        """The finished job; None if the server no longer knows it. PublishError if it failed."""
        from tableauserverclient import JobItem
        from tableauserverclient.server.endpoint.exceptions import ServerResponseError

        def poll() -> Any | None:
            try:
                return server.jobs.get_by_id(job_id)
            except ServerResponseError as exc:
                if str(exc.code).startswith("404"):
                    return None
                raise

        interval, waited = JOB_POLL_FIRST, 0.0
        while True:
            job = self._read(f"check the job publishing {what}", poll)
            if job is None or job.completed_at is not None:
                break
            if waited >= self.job_wait:
                raise RemoteUnavailableError(
                    f"Tableau is still publishing {what} (job {job_id}) after "
                    f"{waited / 60:.0f} minutes; run publish again to keep waiting "
                    "(it will not upload again)"
                )
            self.policy.sleep(interval)
            waited += interval
            interval = min(interval * 1.5, JOB_POLL_MAX)
        if job is None:
            journal.record({entry: ""})
            return None
        if job.finish_code in (JobItem.FinishCode.Success, JobItem.FinishCode.Completed):
            return job
        journal.record({entry: ""})  # a failed job is not waited on again
        verb = "was cancelled" if job.finish_code == JobItem.FinishCode.Cancelled else "failed"
        notes = " ".join(" ".join(n.split()) for n in job.notes or [] if n)
        raise PublishError(
            f"Tableau's job publishing {what} {verb}" + (f": {notes}" if notes else "")
        )

    def _find(self, what: str, endpoint: Any, name: str, project_id: str) -> str:
        """The id of the item called ``name`` in the project (a job that did not say)."""
        from tableauserverclient import Filter, RequestOptions

        def look() -> str:
            options = RequestOptions()
            options.filter.add(
                Filter(RequestOptions.Field.Name, RequestOptions.Operator.Equals, name)
            )
            items, _ = endpoint.get(options)
            found = [i for i in items if i.name == name and i.project_id == project_id]
            if not found:
                raise PublishError(f"Tableau published {what} {name!r} but does not list it")
            return str(found[0].id)

        return self._read(f"look up {what} {name!r}", look)

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
            if self._signed_in is None or not session_expired(exc):
                raise translate(exc, action, self._probe.take()) from None
        # The session ended (401002: a long upload or wait outlived it): sign in again,
        # once, and send the same request again.
        self._signed_in()
        try:
            return fn()
        except MartflowError:
            raise
        except Exception as exc:
            raise translate(exc, action, self._probe.take(), signed_in_again=True) from None

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


def _embedded(tsc: Any, credentials: tuple[str, int, str, str]) -> list[Any]:
    """The workbook's warehouse connection with its password embedded (TSC's shape)."""
    server_address, port, username, password = credentials
    connection = tsc.ConnectionItem()
    connection.server_address = server_address
    connection.server_port = str(port)
    connection.connection_credentials = tsc.ConnectionCredentials(username, password, embed=True)
    return [connection]
