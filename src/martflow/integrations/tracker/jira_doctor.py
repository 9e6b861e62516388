"""`doctor` checks for a JiraTracker: reachable, signed in, project, workflow statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from martflow.core.ports import DoctorLine
from martflow.errors import MartflowError
from martflow.integrations.tracker.jira_errors import CallSite

if TYPE_CHECKING:
    from martflow.integrations.tracker.jira_connection import JiraConnection


class JiraSite(Protocol):
    """What the checks read from a ``JiraTracker`` (typed here, so neither imports the other)."""

    @property
    def url(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def wanted_statuses(self) -> tuple[str, ...]: ...
    @property
    def connection(self) -> JiraConnection: ...
    def statuses(self) -> list[str]: ...


def run_doctor(tracker: JiraSite) -> list[DoctorLine]:
    """Each check as (name, ok, detail); after a failure the rest are skipped (ok None)."""
    lines: list[DoctorLine] = []
    checks = [
        ("jira reachable", _reachable),
        ("jira authentication", _authenticated),
        ("jira project", _project),
        ("jira statuses", _statuses),
    ]
    for index, (name, check) in enumerate(checks):
        try:
            lines.append((name, True, check(tracker)))
        except MartflowError as exc:
            lines.append((name, False, exc.message))
            lines.extend((later, None, f"{name} failed") for later, _ in checks[index + 1 :])
            break
    return lines


def _reachable(tracker: JiraSite) -> str:
    client = tracker.connection.client()  # connecting reads /serverInfo
    kind = client.deploymentType or "Server/Data Center"
    return f"{tracker.url} answers: Jira {kind}"


def _authenticated(tracker: JiraSite) -> str:
    client = tracker.connection.client()
    me = tracker.connection.call(client.myself, CallSite("read the signed-in user (myself)"))
    who = me.get("displayName") or me.get("name") or me.get("accountId") or "?"
    return f"signed in as {who}"


def _project(tracker: JiraSite) -> str:
    client = tracker.connection.client()
    project = tracker.connection.call(
        lambda: client.project(tracker.project), CallSite(f"read project {tracker.project}")
    )
    return f"project {tracker.project} ({project.raw.get('name', '')}) exists"


def _statuses(tracker: JiraSite) -> str:
    available = tracker.statuses()
    known = {s.casefold() for s in available}
    missing = [s for s in tracker.wanted_statuses if s.casefold() not in known]
    if missing:
        raise MartflowError(
            f"[tracker.statuses] names statuses not in project {tracker.project}'s workflow: "
            f"{', '.join(missing)} (it has: {', '.join(available)})"
        )
    wanted = ", ".join(tracker.wanted_statuses) or "none configured"
    return f"every status in [tracker.statuses] exists ({wanted})"
