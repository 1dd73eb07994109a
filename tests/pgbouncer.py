"""A throwaway PgBouncer in front of a test PostgreSQL server, started from the installed
``pgbouncer`` binary with an ini and a userlist of its own in a temporary directory.

PgBouncer refuses to run as root, so as root it is started with ``-u postgres`` (the user
tests/pg.py runs the server as)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


def find_binary() -> str | None:
    """``PGBOUNCER`` if set, else ``pgbouncer`` on the PATH (or in /usr/sbin)."""
    explicit = os.environ.get("PGBOUNCER")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")


def version(binary: str) -> tuple[int, ...]:
    """``(1, 18, 0)`` from ``pgbouncer --version``'s first line ``PgBouncer 1.18.0``."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"PgBouncer (\d+)\.(\d+)(?:\.(\d+))?", out.stdout)
    if match is None:
        raise RuntimeError(f"cannot read the version of {binary}: {out.stdout!r}")
    return tuple(int(part or 0) for part in match.groups())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bouncer:
    """A running PgBouncer: ``url(name)`` is the SQLAlchemy URL of database ``name`` through it."""

    port: int
    user: str
    version: tuple[int, ...]
    workdir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        path = self.workdir / "pgbouncer.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def ini(server_url: str, port: int, workdir: Path, pool_mode: str, pool_size: int,
        bouncer_version: tuple[int, ...], user: str) -> str:  # fmt: skip
    """The configuration: every database of the server at ``server_url`` (``*``), clients
    trusted from loopback, ``pool_size`` server connections per database and user."""
    server = urlsplit(server_url)
    lines = [
        "[databases]",
        f"* = host={server.hostname or '127.0.0.1'} port={server.port or 5432}",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {workdir / 'userlist.txt'}",
        f"pool_mode = {pool_mode}",
        f"default_pool_size = {pool_size}",
        "min_pool_size = 0",
        "reserve_pool_size = 0",
        "max_client_conn = 200",
        f"admin_users = {user}",
        f"logfile = {workdir / 'pgbouncer.log'}",
        f"pidfile = {workdir / 'pgbouncer.pid'}",
    ]
    if bouncer_version >= (1, 21):
        # 1.21+ can track protocol-level prepared statements; 0 keeps the pooling of
        # 1.18-1.20 (none tracked), so both failure and fix show on every version.
        lines.append("max_prepared_statements = 0")
    return "\n".join(lines) + "\n"


@contextmanager
def pgbouncer(
    server_url: str, pool_mode: str = "transaction", pool_size: int = 2, timeout: float = 15.0
) -> Iterator[Bouncer]:
    """A PgBouncer on a free loopback port in front of ``server_url``'s server; killed and
    its directory removed afterwards."""
    import psycopg

    binary = find_binary()
    if binary is None:
        raise FileNotFoundError("pgbouncer not found (install the pgbouncer package)")
    bouncer_version = version(binary)
    user = urlsplit(server_url).username or "postgres"
    workdir = Path(tempfile.mkdtemp(prefix="microblog-pgbouncer-"))
    port = _free_port()
    (workdir / "userlist.txt").write_text(f'"{user}" ""\n')
    config = workdir / "pgbouncer.ini"
    config.write_text(ini(server_url, port, workdir, pool_mode, pool_size, bouncer_version, user))
    command = [binary, str(config)]
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        command[1:1] = ["-u", "postgres"]
    bouncer = Bouncer(port, user, bouncer_version, workdir)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited with {process.returncode}: {bouncer.log()}")
            try:
                plain = bouncer.url("postgres").replace("postgresql+psycopg://", "postgresql://")
                with psycopg.connect(plain, connect_timeout=1) as conn:
                    conn.execute("SELECT 1")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"pgbouncer did not answer on port {port}") from None
                time.sleep(0.1)
        yield bouncer
    finally:
        process.kill()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
