"""What each request leaves behind, its metrics and its access line (logs.py), and the
readiness checks (docs/reference.md#operations)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import Flask, Request, Response
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
from microblog.telemetry.logs import access_log
from microblog.telemetry.requestid import request_id_of

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

#: The authenticated user's id, or None (the web layer's authentication knows it).
UserId = Callable[[], int | None]


def start_timer(req: Request) -> None:
    req.environ[START_KEY] = time.perf_counter()


class RequestRecorder:
    """The after-request step: count the request in the metrics, write its access line."""

    def __init__(self, metrics: bool, log: bool, user_id: UserId) -> None:
        self.metrics = metrics
        self.log = log
        self.user_id = user_id

    def __call__(self, req: Request, response: Response) -> Response:
        started = req.environ.get(START_KEY)
        duration = time.perf_counter() - started if started is not None else 0.0
        rule = req.url_rule
        route = rule.rule if rule is not None else "unmatched"
        status = response.status_code
        if self.metrics:
            REQUESTS.labels(route, req.method, str(status)).inc()
            LATENCY.labels(route, req.method).observe(duration)
        if self.log and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                {
                    "request_id": request_id_of(req.environ),
                    "method": req.method,
                    "route": route,
                    "path": req.path,
                    "status": status,
                    "duration_ms": round(duration * 1000, 3),
                    "user_id": self.user_id(),
                }
            )
        return response


def init_app(app: Flask, *, user_id: UserId) -> RequestRecorder | None:
    """The pipeline's metrics and access-log step, or None when both are off."""
    metrics, log = app.config["METRICS_ENABLED"], app.config["REQUEST_LOG_ENABLED"]
    if not (metrics or log):
        return None
    return RequestRecorder(metrics, log, user_id)


def metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn workers each write their own files; add them up at scrape time.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, mimetype=PROMETHEUS_TEXT)


@dataclass(frozen=True)
class Readiness:
    """The checks run, in order, and each failing one's exception class name."""

    checks: tuple[str, ...]
    failures: dict[str, str]


def readiness(app: Flask) -> Readiness:
    """Whether the database (and Redis, if configured) answer."""
    failures: dict[str, str] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        failures["database"] = type(exc).__name__
    url = app.config.get("REDIS_URL")
    if url:
        try:
            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            client.ping()
            client.close()
        except redis.RedisError as exc:
            failures["redis"] = type(exc).__name__
    return Readiness(("database", "redis") if url else ("database",), failures)
