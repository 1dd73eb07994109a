"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py 'microblog:create_app()'``.

Most values can be changed with an environment variable (below), and any with a
command-line flag, which wins over this file (``-w 2 -b 127.0.0.1:8001``). Note that gunicorn
also reads this file, unasked, when started from the repository root without ``-c``.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import shutil
import tempfile
from typing import Any


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# -- sockets and workers -----------------------------------------------------------------------
# All interfaces by default: in a container the published port is the only way in. Set
# GUNICORN_BIND (or PORT) to listen elsewhere, e.g. 127.0.0.1:8000 behind a local nginx.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# The classic 2 x cores + 1 for sync workers, capped: each worker holds its own database
# pool and ~100 MB of memory, and a large host rarely has the database connections to match.
# WEB_CONCURRENCY (the variable platforms set) overrides it.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12))

# Sync workers: measured faster than gthread for this API (bench/), whose requests are short
# and CPU-bound; a slow client is nginx's problem, which buffers requests and responses.
worker_class = "sync"

# -- timeouts ------------------------------------------------------------------------------
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30  # time given to in-flight requests on SIGTERM / restart
keepalive = 5  # only used by non-sync workers; above nginx's upstream keepalive is harmless

# Import the app once, in the master, and fork the workers from it (GUNICORN_PRELOAD=0 to
# import it in each worker instead). A worker then starts with a fork, without importing
# the app and hashing argon2's dummy password again, so a recycled or crashed worker is
# back before the requests queued on the socket notice; the workers also share
# the imported code's memory until they write to it. The cost: a SIGHUP reloads the
# settings but not the code (deploy a new version with a restart), and anything the app
# opens at import time is shared by every worker: post_fork() below drops the database
# pool's connections; the Redis clients (redis-py) notice the new pid and reconnect.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in ("0", "false", "no")

# Recycle each worker after about this many requests (jitter: not all at once), so that a
# slow leak in any library cannot grow without bound. 0 disables it. At 2,000 a worker
# under load was replaced every few seconds, each time re-importing the app (bench/results/:
# p99s over a second, socket timeouts); at 100,000 it is every few minutes at full load,
# and with preload_app a replacement is a fork that starts with cold caches and connects
# to the database and Redis on its first requests.
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)

# The heartbeat file of each worker on tmpfs: in a container /tmp may be an overlay on disk,
# and a blocked disk write would get a healthy worker killed by the timeout above.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn creates its files there with mkstemp
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# -- request size --------------------------------------------------------------------------
# The request line (method, URL, version) may be up to 8190 bytes, gunicorn's maximum (its
# default is 4094): the app itself refuses URLs over MAX_URL_LENGTH (4096 bytes) with a JSON
# 414 (docs/reference.md#url-length), so gunicorn's own plain-text refusal must come later.
# deploy/nginx.conf's large_client_header_buffers lets the same lines through.
limit_request_line = 8190

# -- logs ----------------------------------------------------------------------------------
# No access log: the app writes one JSON line per request itself (with request id, route
# template and user id, docs/reference.md#operations). gunicorn's own messages go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn >= 25 opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl by default: one fixed path, so two instances on one host replace
# each other's socket, and it needs a writable home. We do not use gunicornc; set
# GUNICORN_CONTROL_SOCKET to a path to have it.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# -- Prometheus across workers -------------------------------------------------------------
# Each worker is a process with its own counters; /metrics must add them all up, whichever
# worker answers the scrape. prometheus_client does that when PROMETHEUS_MULTIPROC_DIR is set
# *before it is imported* (it picks file-backed values at import time), so the variable is
# exported here, at module level: this file runs in the master before any worker (or, with
# --preload, the master itself) imports the app. One directory per gunicorn master.
# A directory made here is remembered in the environment too: a reload (SIGHUP) runs this
# file again, and must neither make another one nor forget to remove this one on exit.
_OWN_DIR_VARIABLE = "MICROBLOG_PROMETHEUS_TMPDIR"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ[_OWN_DIR_VARIABLE] = tempfile.mkdtemp(prefix="microblog-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ[_OWN_DIR_VARIABLE]


def post_fork(server: Any, worker: Any) -> None:
    # With preload_app the worker inherits the master's app, engine pool included: drop
    # any pooled connection without closing it (the socket belongs to the master too, and
    # a close here would end the master's session); the worker opens its own on demand.
    # SQLAlchemy's documented recipe for forked processes: Engine.dispose(close=False).
    app = getattr(server.app, "callable", None)  # the preloaded app; None without preload
    state = getattr(app, "extensions", {}).get("sqlalchemy") if app is not None else None
    if state is None:
        return
    with app.app_context():
        for engine in state.engines.values():
            engine.dispose(close=False)


def on_starting(server: Any) -> None:
    # Files left by a previous run would be added to this run's counts: start from empty.
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    for leftover in glob.glob(os.path.join(path, "*.db")):
        os.remove(leftover)


def child_exit(server: Any, worker: Any) -> None:
    # A dead worker's counters stay (they are cumulative); its live gauges must go.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    # Remove the directory only if this file created it.
    own = os.environ.get(_OWN_DIR_VARIABLE)
    if own and own == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(own, ignore_errors=True)
