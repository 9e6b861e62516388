"""The environment a child process gets: an allow-list, and never a secret martflow knows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from martflow.secrets import SECRET_VARIABLES, SECRETS

_COMMON = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TERM",
        "COLORTERM",
        "NO_COLOR",
        "VIRTUAL_ENV",
    }
)
_GIT = frozenset(
    {
        # ssh and gpg agents: pushing over ssh and signed commits keep working.
        "SSH_AUTH_SOCK",
        "SSH_AGENT_PID",
        "GPG_AGENT_INFO",
        "GPG_TTY",
        "GNUPGHOME",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "DBUS_SESSION_BUS_ADDRESS",
        # proxies and certificate bundles for pushing over https
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "CURL_CA_BUNDLE",
        "REQUESTS_CA_BUNDLE",
        # the pre-commit framework's own settings
        "PRE_COMMIT_HOME",
        "PRE_COMMIT_COLOR",
        "SKIP",
    }
)
_GIT_PREFIXES = ("LC_", "XDG_", "GIT_")
_SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "PRIVATE")


def git_environment(
    environ: Mapping[str, str], also: Iterable[str] = (), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What git, and every hook it runs, sees: the allow-list plus ``also``, then ``extra``.

    ``also`` is ``[git] pass_env`` (variables a team's hooks need); a secret martflow
    reads is dropped even when named there, and so is any variable whose value holds
    one. ``extra`` is what the caller sets for this one command.
    """
    wanted = set(also) - set(SECRET_VARIABLES)
    env: dict[str, str] = {}
    for name, value in environ.items():
        allowed = (
            name in _COMMON
            or name in _GIT
            or name in wanted
            or (name.startswith(_GIT_PREFIXES) and not _looks_secret(name))
        )
        if allowed and not _holds_secret(value):
            env[name] = value
    env.update(extra or {})
    return env


def _looks_secret(name: str) -> bool:
    upper = name.upper()
    return any(marker in upper for marker in _SECRET_MARKERS)


def _holds_secret(value: str) -> bool:
    return any(secret in value for secret in SECRETS.values() if len(secret) >= 4)
