"""The error hierarchy: every failure a user can act on is a MartflowError with a title."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, one meaning each (design: Contracts / CLI)."""

    OK = 0
    PROBLEMS = 1
    USAGE = 2
    QUEUED = 3


class MartflowError(Exception):
    """Base for errors shown to the user as a title and a one-line message."""

    title = "martflow error"
    exit_code: ExitCode = ExitCode.PROBLEMS

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message

    @property
    def public_message(self) -> str:
        """What the ticket may be told (a comment); the full message stays local."""
        return self.message


class ConfigError(MartflowError):
    """config.toml is missing, malformed, or has an unknown key or wrong type."""

    title = "Configuration error"
    exit_code = ExitCode.USAGE


class StorageError(MartflowError):
    """martflow's own files cannot be written or read: full disk, read-only, damaged."""

    title = "Storage error"
    exit_code = ExitCode.USAGE


class UsageError(MartflowError):
    """The command was called with arguments that cannot work."""

    title = "Usage error"
    exit_code = ExitCode.USAGE


class StepOrderError(UsageError):
    """An explicit step was asked for before the steps it follows have succeeded."""

    title = "Step cannot run yet"

    def __init__(self, step: str, missing: list[str]) -> None:
        self.step = step
        self.missing = list(missing)
        listed = _listed(self.missing)
        have = "has" if len(self.missing) == 1 else "have"
        self.reason = f"{step} cannot run yet: {listed} {have} not succeeded"
        """The refusal without the CLI's hint (the TUI shows this as a notice)."""
        them = "it" if len(self.missing) == 1 else "them"
        super().__init__(f"{self.reason}; run {them} first, or use --force to run it anyway")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class SpecError(MartflowError):
    """A ticket spec does not validate; ``field`` names the part at fault."""

    title = "Invalid ticket spec"
    exit_code = ExitCode.PROBLEMS

    def __init__(self, message: str, *, field: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or [message]


class SecretFoundError(MartflowError):
    """Text about to leave the machine (a commit, a comment) holds a secret."""

    title = "Secret found"
    exit_code = ExitCode.USAGE

    def __init__(self, where: str, line: int, kind: str, action: str) -> None:
        super().__init__(
            f"refusing to {action}: {where} line {line} holds {kind} (***); "
            "remove it (the ticket's text may carry it) and try again"
        )
        self.where, self.line, self.kind = where, line, kind


class TicketNotFoundError(MartflowError):
    """The tracker has no ticket with this key (or we may not see it)."""

    title = "No such ticket"
    exit_code = ExitCode.USAGE

    def __init__(self, key: str) -> None:
        super().__init__(f"no such ticket {key}")
        self.key = key


class TicketBusyError(MartflowError):
    """Another live process holds this ticket's lock."""

    title = "Ticket is busy"
    exit_code = ExitCode.PROBLEMS


class TrackerError(MartflowError):
    """The tracker refused an operation."""

    title = "Tracker error"


class RemoteError(MartflowError):
    """A remote system (tracker, Tableau, git remote) failed.

    Attributes:
        status: HTTP status, if there was a response.
        retry_after: seconds the server asked us to wait, if it said.
        applied: False when the request certainly did not take effect (connection
            refused, 429), None when it may have (timeout, dropped connection, 5xx).
    """

    title = "Remote system error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        applied: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.applied = applied


class RemoteUnavailableError(RemoteError):
    """Transient: unreachable, timed out, throttled or 5xx.

    Raised out of a command it exits 1: exit 3 means "queued" and only a run or sync
    that left updates in the outbox returns it.
    """

    title = "Remote system unreachable"
    exit_code = ExitCode.PROBLEMS


class RemoteRejectedError(RemoteError):
    """Permanent: the server answered with a 4xx other than 429."""

    title = "Rejected by the remote system"


class AuthenticationError(RemoteRejectedError):
    """401/403: credentials missing or wrong; names the variable to set."""

    title = "Authentication failed"
    exit_code = ExitCode.USAGE


class NotAnApiAnswerError(AuthenticationError):
    """An HTML page (a login, SSO or proxy page) answered instead of the API.

    Like bad credentials, it is fixed in the config or by signing in, so queued
    updates stay queued rather than failing.
    """

    title = "Not an API answer"


class PermissionDeniedError(RemoteRejectedError):
    """403: signed in, but this account may not do what was asked."""

    title = "Permission denied"


class StepError(MartflowError):
    """A pipeline step could not complete."""

    title = "Step failed"


class NotImplementedStepError(StepError):
    """The step exists in the pipeline but is not built yet."""

    title = "Step not implemented yet"


class GitError(MartflowError):
    """The repository is in a state the git step refuses to touch."""

    title = "Git error"


class HookRefusedError(GitError):
    """A git hook stopped the commit; ``message`` holds its output, the ticket gets one line."""

    title = "Commit refused by a git hook"

    def __init__(self, hooks: list[str], output: str) -> None:
        names = ", ".join(hooks)
        super().__init__(f"the {names} hook refused the commit:\n{output}".rstrip())
        self.hooks = hooks

    @property
    def public_message(self) -> str:
        return f"the {', '.join(self.hooks)} git hook refused the commit."


class NothingToCommitError(GitError):
    """None of the paths differ from HEAD (and no commit carries the run marker)."""

    title = "Nothing to commit"


class ScaffoldError(MartflowError):
    """Scaffolding cannot write what the spec asks for."""

    title = "Scaffold error"


class WarehouseError(MartflowError):
    """The warehouse lacks tables or columns the spec names, or cannot be read."""

    title = "Warehouse error"


class DbtError(MartflowError):
    """dbt failed to run (not a failing test: that is a step result)."""

    title = "dbt error"


class CancelledError(MartflowError):
    """The user stopped the work in flight (e.g. a dbt build); nothing is retried."""

    title = "Cancelled"


class LintError(MartflowError):
    """sqlfluff could not run on the given paths (a usage or configuration problem)."""

    title = "Lint error"
    exit_code = ExitCode.USAGE


class PublishError(MartflowError):
    """Publishing the workbook failed."""

    title = "Publish failed"
