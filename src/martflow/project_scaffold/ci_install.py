"""How the CI workflow `init` writes installs martflow, which is not published on PyPI.

The workflow installs ``$MARTFLOW_PIP``: the repository variable of that name when set,
else the requirement written here, taken from where this martflow was installed from
(PEP 610's ``direct_url.json``): a git URL and commit, a wheel URL, or the origin of the
clone an editable install runs from. A source CI cannot reach (a wheel on this disk, a
clone without a remote) writes no default, and the workflow's install step then fails
saying which variable to set.
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

MARKER = "${{ vars.MARTFLOW_PIP || '' }}"
"""The workflow template's line that gets the default requirement."""
_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/].*)$")


def install_requirement() -> str:
    """The pip requirement CI can install this martflow from; "" when there is none."""
    return requirement_from(*_installed())


def requirement_from(direct_url: dict[str, object] | None, version: str) -> str:
    """The requirement for an install described by PEP 610's ``direct_url`` record.

    None: installed from a package index (a private one: martflow is not on PyPI), so
    the same version is asked for.
    """
    if direct_url is None:
        return f"martflow=={version}" if version else ""
    url = str(direct_url.get("url", ""))
    vcs = direct_url.get("vcs_info")
    if isinstance(vcs, dict) and _reachable(url):
        commit = vcs.get("commit_id") or vcs.get("requested_revision") or ""
        return f"martflow @ {vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
    if isinstance(direct_url.get("archive_info"), dict):
        return f"martflow @ {url}" if _reachable(url) else ""
    if isinstance(direct_url.get("dir_info"), dict) and url.startswith("file:"):
        return _clone_origin(Path(unquote(urlsplit(url).path)))
    return ""


def workflow_text(template: str, requirement: str, branch: str = "main") -> str:
    """The CI workflow from its template: ``requirement`` as the default, ``branch`` pushed."""
    quoted = "'" + requirement.replace("'", "''") + "'"  # a GitHub expression string
    text = template.replace(MARKER, MARKER.replace("''", quoted))
    return text.replace("branches: [main]", f"branches: [{json.dumps(branch)}]")


def _installed() -> tuple[dict[str, object] | None, str]:
    try:
        dist = metadata.distribution("martflow")
    except metadata.PackageNotFoundError:
        return None, ""
    record = dist.read_text("direct_url.json")
    try:
        return (json.loads(record) if record else None), dist.version
    except ValueError:
        return None, dist.version


def _reachable(url: str) -> bool:
    """A URL another machine can fetch (not a path on this one)."""
    return urlsplit(url).scheme in ("http", "https", "ssh", "git")


def _clone_origin(folder: Path) -> str:
    """``martflow @ git+<origin>@<HEAD>`` of the git clone at ``folder``, if it has one."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        origin, head = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    scp = _SCP_LIKE.match(origin)
    if scp:  # git@github.com:team/martflow.git -> ssh://git@github.com/team/martflow.git
        origin = f"ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    if not origin or not head or not _reachable(origin):
        return ""
    return f"martflow @ git+{origin}@{head}"
