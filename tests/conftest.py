"""Fixtures: an app per test from the factory, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from microblog import create_app
from microblog.data.db import close_read_connection, db
from tests import pg

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    try:
        with pg.postgres_server() as url:
            yield url
    except FileNotFoundError as exc:
        if IN_CI:
            pytest.fail(f"CI must test PostgreSQL: {exc}")
        pytest.skip(f"PostgreSQL leg skipped: {exc} (install the postgresql package)")


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> str:
    """A database with the schema created once; tests truncate it after use."""
    url = pg.create_database(postgres_server, "microblog_test")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


def empty_postgres_tables() -> None:
    """Back to an empty database between tests: TRUNCATE every table but the
    trigger-kept post counts (TRUNCATE fires no row trigger), which go back to zero."""
    tables = ", ".join(t.name for t in db.metadata.sorted_tables if t.name != "post_stats")
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE post_stats SET published = 0"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return "sqlite://"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Settings over the testing config for ``app``; a test module may override this."""
    return {}


@pytest.fixture
def app(database_url: str, app_settings: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **app_settings})
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        yield app
        close_read_connection()
        db.session.remove()
        if database_url.startswith("postgresql"):
            empty_postgres_tables()
        db.engine.dispose()


def dispose(app: Flask) -> None:
    """Close the connections ``app``'s engines hold, for an app a test built itself: an
    engine left to the garbage collector leaves its SQLite connections unclosed (Python
    3.13 warns, a ResourceWarning; an error here). Call it once every app context of
    ``app`` has ended: the context's teardown returns its request connection to the pool,
    and an engine closes only the connections checked in."""
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


BuildApp = Callable[..., Flask]


@pytest.fixture
def build_app() -> Iterator[BuildApp]:
    """``build_app(config)``: ``create_app(config)`` for a test that needs an app of its
    own; every app it built is disposed (:func:`dispose`) when the test ends."""
    apps: list[Flask] = []

    def build(config: str | Mapping[str, Any] | None = None) -> Flask:
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def python_stderr(script: str, timeout: float = 120) -> str:
    """What a fresh interpreter running ``script`` writes to stderr (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        timeout=timeout,
        check=True,
    )
    return done.stderr.decode()


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """Small conveniences over the test client for the common flows."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.counter = 0

    def register(self, username: str | None = None, **extra: Any) -> dict[str, Any]:
        self.counter += 1
        username = username or f"user{self.counter}"
        body = {
            "username": username,
            "email": f"{username}@example.com",
            "password": "correct horse battery",
            **extra,
        }
        response = self.client.post("/api/v1/users", json=body)
        assert response.status_code == 201, response.get_json()
        data: dict[str, Any] = response.get_json()
        data["password"] = body["password"]
        return data

    def token(self, user: dict[str, Any]) -> str:
        response = self.client.post(
            "/api/v1/tokens", headers=basic(user["username"], user["password"])
        )
        assert response.status_code == 200, response.get_json()
        return str(response.get_json()["token"])

    def login(
        self, username: str | None = None, **extra: Any
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Register a user and return it with ready-to-send Bearer headers."""
        user = self.register(username, **extra)
        return user, bearer(self.token(user))


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    """Counts SQL statements sent to the database while the test runs."""
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A throwaway ``redis-server`` for the run (``TEST_REDIS_URL`` to use another)."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    from tests import redis_server as rs

    try:
        with rs.redis_server() as url:
            yield url
    except FileNotFoundError as exc:
        if IN_CI:
            pytest.fail(f"CI must test Redis: {exc}")
        pytest.skip(f"Redis leg skipped: {exc}")


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """The Redis server's URL, with its database emptied before and after the test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()
    client.close()


#: Lines a test leaves for the end of the run's terminal summary, under a title of its own
#: (e.g. the schemathesis findings that are recorded rather than failed).
RUN_NOTES = pytest.StashKey[dict[str, list[str]]]()


def add_run_notes(config: pytest.Config, title: str, lines: list[str]) -> None:
    config.stash.setdefault(RUN_NOTES, {})[title] = lines


#: The suites that drive real servers for minutes (the fault suite, schemathesis over HTTP).
#: ``MICROBLOG_LONG_SUITES=0`` leaves them out: .ci/run runs them on its first Python only,
#: and the other Pythons' legs check everything else (a local ``make test`` runs them all).
LONG_SUITES = ("tests/faults/", "tests/api/test_schemathesis.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MICROBLOG_LONG_SUITES", "1").strip() != "0":
        return
    root = str(config.rootpath) + os.sep
    kept, left_out = [], []
    for item in items:
        where = str(item.path).removeprefix(root).replace(os.sep, "/")
        (left_out if where.startswith(LONG_SUITES) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        add_run_notes(
            config,
            "long suites left out (MICROBLOG_LONG_SUITES=0)",
            [f"{len(left_out)} tests of {', '.join(LONG_SUITES)} not run here"],
        )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for title, lines in config.stash.get(RUN_NOTES, {}).items():
        terminalreporter.write_sep("-", title)
        for line in lines:
            terminalreporter.write_line(line)
