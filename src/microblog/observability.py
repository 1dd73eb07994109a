"""One log line per request, Prometheus metrics, and the readiness probe (API.md §9)."""

from __future__ import annotations

import logging
import os
import sys
import time
from functools import lru_cache
from typing import Any

import orjson
import redis
from flask import Flask, Response, current_app, request
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
from microblog.requestid import get_request_id
from microblog.timeutil import isoformat, utcnow

access_log = logging.getLogger("microblog.access")

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


class JsonFormatter(logging.Formatter):
    """A JSON object per line: time, level, logger, message and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": isoformat(utcnow()),
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


def start_timer() -> None:
    request.environ[START_KEY] = time.perf_counter()


def record_request(response: Response) -> Response:
    started = request.environ.get(START_KEY)
    duration = time.perf_counter() - started if started is not None else 0.0
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    status = response.status_code
    config = current_app.config
    if config["METRICS_ENABLED"]:
        counter, histogram = _series(route, request.method, status)
        counter.inc()
        histogram.observe(duration)
    if config["REQUEST_LOG_ENABLED"] and access_log.isEnabledFor(logging.INFO):
        user = current_user()
        access_log.info(
            "request",
            extra={
                "fields": {
                    "request_id": get_request_id(),
                    "method": request.method,
                    "route": route,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round(duration * 1000, 3),
                    "user_id": user.id if user is not None else None,
                }
            },
        )
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


def init_app(app: Flask) -> None:
    if not (app.config["METRICS_ENABLED"] or app.config["REQUEST_LOG_ENABLED"]):
        return
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request(record_request)
