"""A throwaway Postgres cluster for tests: initdb in a temp folder, pg_ctl on a free port.

The binaries come from the system's packages (``/usr/lib/postgresql/*/bin``, else PATH);
``.ci/run`` installs them when missing. Without them the tests fail with this module's
message: they never skip. As root the cluster runs as the ``postgres`` user the package
creates (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MISSING = (
    "PostgreSQL is not installed: these tests start a real throwaway cluster. Install it "
    "(Debian: `apt-get install -y postgresql`; macOS: `brew install postgresql@15`) or run "
    ".ci/run, which does."
)
PASSWORD = "martflow-test-pw"
"""The cluster's superuser password (md5 auth on 127.0.0.1, so it is really checked)."""


@dataclass(frozen=True)
class PgServer:
    """Where the cluster listens and how to log in."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def env(self) -> dict[str, str]:
        """The libpq variables naming this server (read by demo --warehouse postgres)."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }

    def connect(self):  # type: ignore[no-untyped-def]
        """A psycopg2 connection (autocommit) for test setup and assertions."""
        import psycopg2

        conn = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.database,
        )
        conn.autocommit = True
        return conn

    def create_database(self, name: str) -> PgServer:
        """A fresh database on the cluster (tests isolate themselves this way)."""
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(f'drop database if exists "{name}"')
            cur.execute(f'create database "{name}"')
        return PgServer(self.host, self.port, self.user, self.password, name)


def find_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl; AssertionError naming what to install."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    raise AssertionError(MISSING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_cluster_user() -> tuple[list[str], str]:
    """The command prefix running as the cluster's owner, and that user's name."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise AssertionError(
            "running as root, and there is no 'postgres' user to run the cluster as "
            "(the Debian package creates it): " + MISSING
        ) from None
    return ["runuser", "-u", "postgres", "--"], "postgres"


@contextlib.contextmanager
def running_cluster() -> Iterator[PgServer]:
    """Start a cluster in a temporary folder; stop it and remove the folder at the end."""
    bin_dir = find_bin_dir()
    prefix, owner = _as_cluster_user()
    root = Path(tempfile.mkdtemp(prefix="martflow-pg-"))
    data = root / "data"
    pwfile = root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if prefix:
        shutil.chown(root, user=owner)
        shutil.chown(pwfile, user=owner)
    root.chmod(0o700)
    port = free_port()

    def run(*args: str) -> None:
        result = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"{Path(args[0]).name} failed: {result.stderr or result.stdout}")

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            owner,
            f"--pwfile={pwfile}",
            "--auth=md5",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
            "-w", "start")  # fmt: skip
        try:
            yield PgServer("127.0.0.1", port, owner, PASSWORD, "postgres")
        finally:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=120,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
