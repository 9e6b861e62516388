"""`doctor` for Tableau Server mode: sign in with the token, find the project, sign out."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from martflow.core.ports import DoctorLine
from martflow.errors import AuthenticationError, MartflowError
from martflow.integrations.tableau.faults import TOKEN_VARIABLE
from martflow.integrations.tableau.server_settings import Secrets, ServerSettings

T = TypeVar("T")


class SignIn(Protocol):
    """What the checks use of a ``TableauServerPublisher`` (typed here: no import cycle)."""

    @property
    def config(self) -> ServerSettings: ...
    @property
    def secrets(self) -> Secrets: ...
    def connect(self, secret: str) -> tuple[Any, Any]: ...
    def _check_config(self) -> None: ...
    def _read(self, action: str, fn: Callable[[], T]) -> T: ...


def run_doctor(publisher: SignIn) -> list[DoctorLine]:
    """Sign in as publishing does (same timeout and retries), then look the project up."""
    config = publisher.config
    try:
        publisher._check_config()
        secret = publisher.secrets.get(TOKEN_VARIABLE)
        if not secret:
            raise AuthenticationError(publisher.secrets.how_to_set(TOKEN_VARIABLE))
        server, auth = publisher.connect(secret)
        publisher._read("sign in to Tableau", lambda: server.auth.sign_in(auth))
    except MartflowError as exc:
        return [
            ("tableau sign-in", False, exc.message),
            ("tableau project", None, "tableau sign-in failed"),
        ]
    site = f"site {config.site!r}" if config.site else "the default site"
    lines: list[DoctorLine] = [
        (
            "tableau sign-in",
            True,
            f"{config.server_url}: signed in to {site} with token {config.token_name!r}",
        )
    ]
    try:
        lines.append(("tableau project", True, _project(publisher, server)))
    except MartflowError as exc:
        lines.append(("tableau project", False, exc.message))
    finally:
        with contextlib.suppress(Exception):  # the session expires on its own
            server.auth.sign_out()
    return lines


def _project(publisher: SignIn, server: Any) -> str:
    wanted = publisher.config.project

    def find() -> bool:
        projects = server.projects.filter(name=wanted)
        return any(p.name == wanted and not p.parent_id for p in projects)

    if publisher._read(f"look up project {wanted!r}", find):
        return f"project {wanted!r} exists"
    return f"project {wanted!r} does not exist yet: the first publish creates it"
