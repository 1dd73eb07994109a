"""observability.RequestRecorder with TELEMETRY_FLUSH_INTERVAL > 0 (the production
default): a request's metrics and log line are done later, in a batch, and never lost,
repeated, reordered or misdated for it."""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog import create_app
from microblog.data.db import db
from microblog.telemetry.observability import RECORDER_KEY, RequestRecorder
from tests.api.test_observability import Lines, capture, metric_value
from tests.conftest import python_stderr

ROUTE = {"route": "/healthz", "method": "GET", "status": "200"}


def batching_app(interval: float) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "LOG_FORMAT": "json",
            "TELEMETRY_FLUSH_INTERVAL": interval,
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def held() -> Iterator[tuple[Flask, FlaskClient, Lines]]:
    """An interval long enough that only a full batch, a scrape or a flush writes."""
    app = batching_app(60)
    with capture(app) as lines:
        yield app, app.test_client(), lines
    recorder(app).periodic.stop()  # type: ignore[union-attr]


def recorder(app: Flask) -> RequestRecorder:
    found: RequestRecorder = app.extensions[RECORDER_KEY]
    return found


def healthz(client: FlaskClient, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        response = client.get("/healthz")
        assert response.status_code == 200
        ids.append(response.headers["X-Request-ID"])
    return ids


def test_a_request_is_held_until_its_batch_is_done(held: tuple[Flask, FlaskClient, Lines]) -> None:
    app, client, lines = held
    ids = healthz(client, 3)
    assert lines.access() == []
    assert len(recorder(app).pending) == 3
    recorder(app).flush()
    assert [e["request_id"] for e in lines.access()] == ids
    assert not recorder(app).pending


def test_the_request_that_fills_a_batch_writes_it_once_it_is_sent(
    held: tuple[Flask, FlaskClient, Lines],
) -> None:
    app, client, lines = held
    ids = healthz(client, RequestRecorder.BATCH - 1)
    assert lines.access() == []
    response = client.get("/healthz")
    ids.append(response.headers["X-Request-ID"])
    # Not while the client waits for its answer: once the server has sent it and closes
    # the response (the test client leaves that to us).
    assert lines.access() == []
    response.close()
    entries = lines.access()
    assert [e["request_id"] for e in entries] == ids  # all of them, once, in order
    assert not recorder(app).pending


def test_a_scrape_counts_this_workers_requests_so_far(
    held: tuple[Flask, FlaskClient, Lines],
) -> None:
    _, client, _ = held
    before = metric_value(client, "microblog_http_requests_total", ROUTE)
    healthz(client, 5)
    assert metric_value(client, "microblog_http_requests_total", ROUTE) == before + 5


def test_the_line_keeps_the_time_and_thread_of_its_request(
    held: tuple[Flask, FlaskClient, Lines],
) -> None:
    app, client, lines = held
    started = time.time()
    (request_id,) = healthz(client, 1)
    answered = time.time()
    time.sleep(0.3)
    # Flushed from another thread, later: the record must not say so.
    flusher = threading.Thread(target=recorder(app).flush, name="elsewhere")
    flusher.start()
    flusher.join()
    (record,) = [r for r in lines.records if r.name == "microblog.access"]
    assert started <= record.created <= answered
    assert record.threadName == threading.current_thread().name
    assert record.thread == threading.get_ident()
    (entry,) = lines.access()
    assert entry["request_id"] == request_id


def test_a_quiet_worker_writes_within_the_interval() -> None:
    app = batching_app(0.05)
    try:
        with capture(app) as lines:
            (request_id,) = healthz(app.test_client(), 1)
            deadline = time.monotonic() + 5
            while not lines.access() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert [e["request_id"] for e in lines.access()] == [request_id]
    finally:
        recorder(app).periodic.stop()  # type: ignore[union-attr]


def test_without_an_interval_every_request_is_recorded_at_once() -> None:
    app = batching_app(0)
    assert recorder(app).periodic is None
    with capture(app) as lines:
        (request_id,) = healthz(app.test_client(), 1)
        assert [e["request_id"] for e in lines.access()] == [request_id]


CHILD = textwrap.dedent(
    """
    import os, sys
    from microblog import create_app
    from microblog.data.db import db

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": "json",
        "TELEMETRY_FLUSH_INTERVAL": 60,
    })
    with app.app_context():
        db.create_all()
    client = app.test_client()
    for n in range(3):
        client.get("/healthz", headers={"X-Request-ID": f"before-fork-{n}"})
    pid = os.fork()
    if pid == 0:
        client.get("/healthz", headers={"X-Request-ID": "in-child"})
        sys.exit(0)  # exit handlers: the child's own requests, not its parent's
    os.waitpid(pid, 0)
    client.get("/healthz", headers={"X-Request-ID": "after-fork"})
    # Exit handlers write what is held (interval 60: nothing was written before).
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_held_requests_are_written_once_across_a_fork_and_at_exit() -> None:
    stderr = python_stderr(CHILD)
    entries: list[dict[str, Any]] = [
        json.loads(line)
        for line in stderr.splitlines()
        if line.startswith("{") and '"microblog.access"' in line
    ]
    ids = [e["request_id"] for e in entries]
    assert sorted(ids) == sorted(
        ["before-fork-0", "before-fork-1", "before-fork-2", "in-child", "after-fork"]
    )
    # Written before the fork (so first), by the parent alone.
    assert ids[:3] == ["before-fork-0", "before-fork-1", "before-fork-2"]
