"""A throwaway Redis server for the test run, started from the installed ``redis-server``.

Nothing is persisted (``--save ''``, ``--appendonly no``) and the process is killed
afterwards, so a run never touches (or depends on) a Redis the machine may be running."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_binary() -> str | None:
    """``REDIS_SERVER`` if set, else ``redis-server`` on the PATH (or in /usr/bin)."""
    explicit = os.environ.get("REDIS_SERVER")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisProcess:
    """A ``redis-server`` on a fixed loopback port that can be stopped and started again."""

    def __init__(self, binary: str, workdir: Path, timeout: float) -> None:
        self.binary, self.workdir, self.timeout = binary, workdir, timeout
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir),
             "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + self.timeout
        while not _ping(self.port):
            if self.proc.poll() is not None:
                log = (self.workdir / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@contextmanager
def redis_process(timeout: float = 10.0) -> Iterator[RedisProcess]:
    binary = find_binary()
    if binary is None:
        raise FileNotFoundError("redis-server not found (install the redis-server package)")
    workdir = Path(tempfile.mkdtemp(prefix="microblog-redis-"))
    server = RedisProcess(binary, workdir, timeout)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def redis_server(timeout: float = 10.0) -> Iterator[str]:
    """Yield ``redis://127.0.0.1:<port>/0`` of a fresh server; kill it afterwards."""
    with redis_process(timeout) as server:
        yield server.url
