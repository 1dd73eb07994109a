"""What each request leaves behind, its log line (logs.py) and its metrics, and the
readiness probe (docs/reference.md#operations)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from functools import lru_cache
from typing import Any

import orjson
import redis
from flask import Flask, Request, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_TEXT
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text

from microblog.data.db import db
from microblog.telemetry.logs import AccessRecord, access_log
from microblog.telemetry.periodic import Periodic
from microblog.telemetry.requestid import request_id_of
from microblog.web.auth import current_user
from microblog.web.errors import error_response

REQUESTS = Counter(
    "microblog_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "microblog_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

START_KEY = "microblog.start"
RECORDER_KEY = "microblog.recorder"


@lru_cache(maxsize=4096)
def _series(route: str, method: str, status: int) -> tuple[Any, Any]:
    """The labelled children, looked up once per (route, method, status): ``labels()``
    hashes and locks on every call."""
    return REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method)


def start_timer(req: Request) -> None:
    req.environ[START_KEY] = time.perf_counter()


#: What a request leaves for its metrics and log line, taken when its response is ready:
#: route, method, status, duration (s), time.time(), thread, and for the log line (the
#: request id is None with the request log off) request id, path and user id. A plain
#: tuple: a NamedTuple costs ~0.3 µs more to build, on every request.
Finished = tuple[str, str, int, float, float, threading.Thread, str | None, str, int | None]


class RequestRecorder:
    """The after-request step: count the request in the metrics, write its log line.

    With ``TELEMETRY_FLUSH_INTERVAL`` above zero (production), a request only notes what
    it leaves (``Finished``); the metrics and log lines are then done for a batch of
    requests at a time, after the response that fills a batch has been sent
    (``call_on_close``), every interval by a background thread (periodic.py), before a
    scrape of /metrics, before a fork and at exit. Done in a batch, that work costs ~6 µs
    a request against ~15 µs in the request path, where the rest of the request has
    just crowded it out of the processor's caches (measured: docs/architecture.md). The
    price: another worker's last interval of requests may be missing from a scrape (it is
    in the next one), and a worker killed outright loses at most an interval of them."""

    BATCH = 64

    def __init__(self, metrics: bool, log: bool, interval: float) -> None:
        self.metrics = metrics
        self.log = log
        self.pending: deque[Finished] = deque()
        self.draining = threading.Lock()
        self.periodic = Periodic(self, interval, "request-recorder") if interval > 0 else None

    def __call__(self, req: Request, response: Response) -> Response:
        environ = req.environ
        started = environ.get(START_KEY)
        duration = time.perf_counter() - started if started is not None else 0.0
        rule = req.url_rule
        route = rule.rule if rule is not None else "unmatched"
        request_id, user_id = None, None
        if self.log and access_log.isEnabledFor(logging.INFO):
            request_id = request_id_of(environ)
            user = current_user()
            user_id = user.id if user is not None else None
        finished: Finished = (
            route,
            req.method,
            response.status_code,
            duration,
            time.time(),
            threading.current_thread(),
            request_id,
            req.path,
            user_id,
        )
        periodic = self.periodic
        if periodic is None:
            self._record(finished)
            return response
        self.pending.append(finished)
        if not periodic.running:
            periodic.ensure()
        if len(self.pending) >= self.BATCH:
            response.call_on_close(self.flush)
        return response

    def flush(self) -> None:
        """Record every request held (in order; one flush at a time)."""
        with self.draining:
            pending = self.pending
            while pending:
                self._record(pending.popleft())

    def forget(self) -> None:
        # In a forked child: new objects, not cleared ones, in case a thread of the parent
        # held the lock at the fork (that thread does not exist here to release it).
        self.pending = deque()
        self.draining = threading.Lock()

    def _record(self, finished: Finished) -> None:
        route, method, status, duration, created, thread, request_id, path, user_id = finished
        if self.metrics:
            counter, histogram = _series(route, method, status)
            counter.inc()
            histogram.observe(duration)
        if request_id is not None:
            fields = {
                "request_id": request_id,
                "method": method,
                "route": route,
                "path": path,
                "status": status,
                "duration_ms": round(duration * 1000, 3),
                "user_id": user_id,
            }
            # A record handed to handle(): Logger.info() would also walk the stack to find
            # its caller (findCaller), which this line never shows.
            access_log.handle(AccessRecord(fields, created, thread))


def metrics() -> Response:
    recorder = current_app.extensions.get(RECORDER_KEY)
    if recorder is not None:
        recorder.flush()  # this worker's requests so far, at least
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn workers each write their own files; add them up at scrape time.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, mimetype=PROMETHEUS_TEXT)


def readiness(app: Flask, *, detailed: bool) -> Response:
    """200 when the database (and Redis, if configured) answer, else 503. ``detailed``:
    the checks by name (which one failed, and its exception's class); otherwise only
    ready or not, so that an outsider cannot map the service's dependencies."""
    failures: dict[str, list[str]] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        failures["database"] = [type(exc).__name__]
    url = app.config.get("REDIS_URL")
    if url:
        try:
            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            client.ping()
            client.close()
        except redis.RedisError as exc:
            failures["redis"] = [type(exc).__name__]
    if failures:
        if not detailed:
            return error_response(503, "Not ready.")
        return error_response(
            503, f"Not ready: {', '.join(sorted(failures))} unavailable.", errors=failures
        )
    body: dict[str, object] = {"status": "ok"}
    if detailed:
        body["checks"] = {"database": "ok", **({"redis": "ok"} if url else {})}
    return Response(orjson.dumps(body), mimetype="application/json")


def recorder(app: Flask) -> RequestRecorder | None:
    """The pipeline's metrics and log step, or None when both are off."""
    metrics, log = app.config["METRICS_ENABLED"], app.config["REQUEST_LOG_ENABLED"]
    if not (metrics or log):
        return None
    found = RequestRecorder(metrics, log, app.config["TELEMETRY_FLUSH_INTERVAL"])
    app.extensions[RECORDER_KEY] = found
    return found
