"""What each piece of the per-request middleware costs, measured in the request path.

Run: .venv/bin/python bench/middleware_inprocess.py [--rounds 30] [--batch 500]

bench/run_middleware.sh measures the whole stack through gunicorn and wrk; this splits it.
It builds the same data as bench/run.sh (a SQLite file, 1,000 users) and one app per
configuration: the stack off, the stack on (rate limits in Redis when redis-server is
installed, else in memory), and the stack on with one piece left out. It then calls the
WSGI apps directly, as gunicorn's sync worker does, in interleaved batches (a batch of
each configuration per round), so that machine drift hits every configuration alike, and
reports the median µs per request. A piece's cost is "on" minus "on without it": measured
in place, with the rest of the request around it, which is often several times what the
same code costs alone in a loop. The request log goes to a file, as under gunicorn.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import profile_endpoints as pe  # noqa: E402 - needs the path above

PIECES = {
    "rate limits": "RATELIMIT_ENABLED",
    "request log": "REQUEST_LOG_ENABLED",
    "metrics": "METRICS_ENABLED",
    "ETags": "ETAGS_ENABLED",
}


@contextmanager
def redis_server() -> Iterator[str | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def build(settings: dict[str, str], redis_url: str | None) -> object:
    from microblog import create_app

    os.environ.update(settings)
    if redis_url and settings.get("RATELIMIT_ENABLED") == "true":
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    return create_app()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--out", type=Path, help="markdown report (default: bench/results/)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="microblog-mw.") as tmp, redis_server() as redis:
        pe.setup_env(Path(tmp))
        os.environ["LOG_LEVEL"] = "INFO"
        log = open(Path(tmp) / "access.log", "w")  # noqa: SIM115 - open for the whole run
        saved_stderr = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            _, user_id, token = pe.build_app()
            on = dict.fromkeys(PIECES.values(), "true")
            configs: dict[str, dict[str, str]] = {
                "off": dict.fromkeys(PIECES.values(), "false"),
                "on": on,
                **{f"on without {name}": {**on, key: "false"} for name, key in PIECES.items()},
            }
            endpoints = {
                f"GET /api/v1/users/{user_id}": (f"/api/v1/users/{user_id}", None),
                "GET /api/v1/me (Bearer)": ("/api/v1/me", {"Authorization": f"Bearer {token}"}),
            }
            results: dict[str, dict[str, float]] = {}
            for label, (path, headers) in endpoints.items():
                calls: dict[str, Callable[[], int]] = {}
                for name, settings in configs.items():
                    calls[name] = pe.caller(build(settings, redis), path, headers)
                    for _ in range(500):
                        calls[name]()
                samples: dict[str, list[float]] = {name: [] for name in calls}
                for _ in range(args.rounds):
                    for name, call in calls.items():
                        start = time.perf_counter()
                        for _ in range(args.batch):
                            call()
                        elapsed = time.perf_counter() - start
                        samples[name].append(elapsed / args.batch * 1e6)
                results[label] = {name: statistics.median(v) for name, v in samples.items()}
        finally:
            os.dup2(saved_stderr, 2)
            log.close()

    lines = [
        f"# Middleware, piece by piece, in-process ({datetime.date.today()})",
        "",
        f"`bench/middleware_inprocess.py --rounds {args.rounds} --batch {args.batch}`: WSGI "
        "calls, no HTTP server; median µs per request over the rounds; the rate limits "
        + ("on a real Redis." if redis else "in memory (no redis-server found)."),
        "",
    ]
    for label, medians in results.items():
        on_us, off_us = medians["on"], medians["off"]
        lines += [
            f"## {label}",
            "",
            "| configuration | µs/request | piece's cost (on - on without it) |",
            "|---|---:|---:|",
        ]
        for name, us in medians.items():
            cost = f"{on_us - us:+.1f} µs" if name.startswith("on without") else ""
            lines.append(f"| {name} | {us:.1f} | {cost} |")
        lines += ["", f"Whole stack: {on_us - off_us:+.1f} µs ({on_us / off_us - 1:.1%}).", ""]
    text = "\n".join(lines)
    print(text)
    out = args.out or BENCH_DIR / "results" / f"middleware-inprocess-{datetime.date.today()}.md"
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
