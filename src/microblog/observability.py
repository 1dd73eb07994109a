"""One log line per request, Prometheus metrics, and the readiness probe (API.md §9)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from functools import lru_cache
from typing import Any

import orjson
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

from microblog.auth import current_user
from microblog.errors import error_response
from microblog.extensions import db
from microblog.requestid import request_id_of

ACCESS_LOGGER = "microblog.access"
access_log = logging.getLogger(ACCESS_LOGGER)

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


@lru_cache(maxsize=4096)
def _series(route: str, method: str, status: int) -> tuple[Any, Any]:
    """The labelled children, looked up once per (route, method, status): ``labels()``
    hashes and locks on every call."""
    return REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method)


@lru_cache(maxsize=4)
def _second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _timestamp(created: float) -> str:
    """``2024-05-01T12:00:00.000000Z`` for a ``time.time()`` value (the formatted second
    is cached: a busy worker writes many lines a second)."""
    seconds = int(created)
    return f"{_second(seconds)}.{int((created - seconds) * 1_000_000):06d}Z"


class AccessRecord(logging.LogRecord):
    """The request's log line: its ``fields`` are the JSON object's keys.

    Built with every attribute a ``LogRecord`` has, without the work its ``__init__`` does
    for a call site (file name and module from a path, the message's arguments), which an
    access line does not have, and with the process id read once per process: that work
    was ~4 µs of the line's ~19 µs in the request path (docs/architecture.md)."""

    fields: dict[str, Any]

    def __init__(self, fields: dict[str, Any]) -> None:
        created = time.time()
        self.name = ACCESS_LOGGER
        self.msg = "request"
        self.args = None
        self.levelname = "INFO"
        self.levelno = logging.INFO
        self.pathname = self.filename = self.module = ""
        self.exc_info = self.exc_text = self.stack_info = None
        self.funcName = ""
        self.lineno = 0
        self.created = created
        self.msecs = int((created - int(created)) * 1000) + 0.0
        self.relativeCreated = (created - _LOADED) * 1000
        self.thread = threading.get_ident()
        self.threadName = threading.current_thread().name
        self.processName = _PROCESS.name
        self.process = _PROCESS.pid
        self.fields = fields


class _Process:
    """This process's id and name for log records, read again after a fork (gunicorn
    forks its workers from the master)."""

    def __init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.pid = os.getpid()
        self.name = multiprocessing.current_process().name


_PROCESS = _Process()
os.register_at_fork(after_in_child=_PROCESS.refresh)
_LOADED = time.time()


class JsonFormatter(logging.Formatter):
    """A JSON object per line: time, level, logger, message and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if fields:
            record.msg = " ".join(f"{k}={v}" for k, v in fields.items())
            record.args = ()
        return super().format(record)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("microblog")
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False


def start_timer(req: Request) -> None:
    req.environ[START_KEY] = time.perf_counter()


class RequestRecorder:
    """The after-request step: count the request in the metrics, write its log line."""

    def __init__(self, metrics: bool, log: bool) -> None:
        self.metrics = metrics
        self.log = log

    def __call__(self, req: Request, response: Response) -> Response:
        environ = req.environ
        started = environ.get(START_KEY)
        duration = time.perf_counter() - started if started is not None else 0.0
        rule = req.url_rule
        route = rule.rule if rule is not None else "unmatched"
        status = response.status_code
        if self.metrics:
            counter, histogram = _series(route, req.method, status)
            counter.inc()
            histogram.observe(duration)
        if self.log and access_log.isEnabledFor(logging.INFO):
            user = current_user()
            # A record handed to handle(): Logger.info() would also walk the stack to find
            # its caller (findCaller), which this line never shows.
            fields = {
                "request_id": request_id_of(environ),
                "method": req.method,
                "route": route,
                "path": req.path,
                "status": status,
                "duration_ms": round(duration * 1000, 3),
                "user_id": user.id if user is not None else None,
            }
            access_log.handle(AccessRecord(fields))
        return response


def metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn workers each write their own files; add them up at scrape time.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, mimetype=PROMETHEUS_TEXT)


def readiness(app: Flask) -> Response:
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
        return error_response(
            503, f"Not ready: {', '.join(sorted(failures))} unavailable.", errors=failures
        )
    checks = {"database": "ok", **({"redis": "ok"} if url else {})}
    return Response(orjson.dumps({"status": "ok", "checks": checks}), mimetype="application/json")


def recorder(app: Flask) -> RequestRecorder | None:
    """The pipeline's metrics and log step, or None when both are off."""
    metrics, log = app.config["METRICS_ENABLED"], app.config["REQUEST_LOG_ENABLED"]
    return RequestRecorder(metrics, log) if metrics or log else None
