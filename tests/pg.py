"""A throwaway PostgreSQL server for the test run, started from the installed binaries.

pytest-postgresql cannot be used here: CI runs as root and ``initdb`` refuses to run as
root, so the server is run as the ``postgres`` system user when we are root."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        candidates.append(os.path.dirname(pg_ctl))
    for candidate in candidates:
        path = Path(candidate)
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway server that can be stopped and started again (tests/faults)."""

    url: str
    bindir: Path
    datadir: Path
    base: Path
    options: str
    prefix: list[str]

    def pg_ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args],
            check=check,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def start(self) -> None:
        self.pg_ctl("-o", self.options, "-w", "-l", str(self.base / "server.log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop", check=False)


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """A fresh server (its ``postgres`` database at ``.url``); stopped and removed after."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="microblog-pg-"))
    datadir, sockdir = base / "data", base / "sock"
    sockdir.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sockdir, "postgres")
    port = _free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--locale=C", "--no-sync"],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    options = (
        f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    cluster = Cluster(
        url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
        bindir=bindir,
        datadir=datadir,
        base=base,
        options=options,
        prefix=prefix,
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a fresh server's ``postgres`` database; stop it afterwards."""
    with postgres_cluster() as cluster:
        yield cluster.url


def create_database(server_url: str, name: str) -> str:
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
