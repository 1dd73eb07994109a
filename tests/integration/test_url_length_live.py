"""The URL limit on real servers (docs/reference.md#url-length): under gunicorn with the
shipped gunicorn.conf.py and under ``flask run`` (``make run``), a URL up to
MAX_URL_LENGTH is served, and a longer one gets the API's JSON 414 until the server's own
limit (gunicorn: 8190-byte request lines; Werkzeug: 64 KiB), where the server answers."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from microblog.config import load_config
from tests.integration.live import Reply, call, flask_server, free_port, migrate

ROOT = Path(__file__).resolve().parents[2]
LIMIT: int = load_config("testing", "instance")["MAX_URL_LENGTH"]
#: gunicorn.conf.py's limit_request_line, less ``GET `` and `` HTTP/1.1``.
GUNICORN_LONGEST_URL = 8190 - len("GET  HTTP/1.1")


def get(base: str, length: int) -> Reply:
    """``GET /api/v1/users?pad=xxx…``, ``length`` bytes of URL, as sent."""
    start = "/api/v1/users?pad="
    return call(base, "GET", start + "x" * (length - len(start)))


def assert_api_414(reply: Reply) -> None:
    assert reply.status == 414, reply.body[:200]
    assert reply.headers["Content-Type"] == "application/json"
    body = reply.json()
    assert body["error"] == "Request URI Too Long"
    assert body["request_id"] == reply.headers["X-Request-ID"]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One sync worker under the shipped gunicorn.conf.py, production settings, SQLite."""
    tmp = tmp_path_factory.mktemp("url-length")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROMETHEUS_", "RATELIMIT_", "GUNICORN_", "MICROBLOG_"))
    }
    env.update(
        MICROBLOG_ENV="production",
        MICROBLOG_INSTANCE=str(tmp),
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{tmp / 'url.db'}",
        WEB_CONCURRENCY="1",
    )
    migrate(env)
    port = free_port()
    log = tmp / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "microblog:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if call(base, "GET", "/healthz", timeout=1).status == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def test_gunicorn_serves_up_to_the_limit_and_answers_json_414_past_it(gunicorn: str) -> None:
    assert get(gunicorn, LIMIT).status == 200
    assert_api_414(get(gunicorn, LIMIT + 1))
    # Up to gunicorn's own limit, the app still answers: gunicorn.conf.py lets these through.
    assert_api_414(get(gunicorn, GUNICORN_LONGEST_URL))
    beyond = get(gunicorn, GUNICORN_LONGEST_URL + 1)
    assert beyond.status in (400, 414)
    assert beyond.headers["Content-Type"] != "application/json"


def test_the_development_server_answers_json_414(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}", "MICROBLOG_INSTANCE": str(tmp_path)}
    with flask_server(env) as base:
        assert get(base, LIMIT).status == 200
        assert_api_414(get(base, LIMIT + 1))
        assert_api_414(get(base, 60_000))
