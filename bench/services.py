"""Throwaway PostgreSQL and Redis servers for the benchmark, on loopback, like the tests'.

    python bench/services.py --env-file FILE [--postgres] [--redis] [--data-dir DIR]

Starts the servers, writes ``DATABASE_URL=...`` / ``REDIS_URL=...`` / ``PG_SETTINGS=...``
lines to FILE (written last: its appearance means "ready"), then waits until it gets
SIGTERM/SIGINT or the ``--parent`` process is gone (even killed with SIGKILL), and stops
them (data directories removed). bench/lib.sh runs it in the background.

Redis is tests/redis_server.py's (no persistence: the rate limits are all it holds).
PostgreSQL reuses tests/pg.py's binaries lookup but not its settings: the tests
run with ``fsync=off`` and ``synchronous_commit=off``, which would make every write look
cheaper than in production, so the benchmark server keeps PostgreSQL's durable defaults
and gives it production-like memory (``SETTINGS`` below, recorded in every report).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg import _free_port, find_bindir  # noqa: E402
from tests.redis_server import redis_server  # noqa: E402

#: Durable (fsync, synchronous_commit and full_page_writes on: PostgreSQL's defaults) and
#: sized for a small production box rather than for the test suite.
SETTINGS = {
    "shared_buffers": "512MB",
    "effective_cache_size": "1GB",
    "work_mem": "8MB",
    "maintenance_work_mem": "256MB",
    "max_connections": "100",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "random_page_cost": "1.1",
    "jit": "off",
}


@contextlib.contextmanager
def postgres(data_dir: Path | None = None) -> Iterator[str]:
    """Yield the URL of a fresh server's ``postgres`` database; stop it afterwards."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="microblog-bench-pg-", dir=data_dir))
    datadir, sockdir = base / "data", base / "sock"
    sockdir.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sockdir, "postgres")
    port = _free_port()
    run = {"check": True, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--locale=C", "--no-sync"],
        **run,
    )  # fmt: skip
    options = f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 " + " ".join(
        f"-c {name}={value}" for name, value in SETTINGS.items()
    )
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-o", options, "-w",
         "-l", str(base / "server.log"), "start"],
        **run,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", required=True, type=Path)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="where PostgreSQL's data goes")
    parser.add_argument("--parent", type=int, help="stop when this process is gone")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    with contextlib.ExitStack() as stack:
        lines = []
        if args.postgres:
            lines.append(f"DATABASE_URL={stack.enter_context(postgres(args.data_dir))}")
            settings = ",".join(f"{k}={v}" for k, v in SETTINGS.items())
            lines.append(f"PG_SETTINGS='fsync=on,synchronous_commit=on,{settings}'")
        if args.redis:
            lines.append(f"REDIS_URL={stack.enter_context(redis_server())}")
        partial = args.env_file.with_suffix(".partial")
        partial.write_text("".join(f"export {line}\n" for line in lines))
        partial.rename(args.env_file)
        print("services: " + ", ".join(lines), flush=True)
        while not stop.wait(0.5):
            if args.parent and not _alive(args.parent):
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
