"""A database that is down, restarting, saturated or too slow answers 503 with Retry-After
in the error shape (docs/reference.md#errors), never a 500 and never a hang; a statement
that is wrong is still a 500. The real failures here: a pool with no free connection, a SQLite
file locked by another writer, a PostgreSQL statement cancelled by ``statement_timeout``;
the mapping of each exception class is checked on a route that raises it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.test import TestResponse

from microblog import create_app
from microblog.config import engine_options
from microblog.data.db import db
from tests.conftest import Api, BuildApp


def assert_unavailable(response: TestResponse) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "1"
    body = response.get_json()
    assert body["error"] == "Service Unavailable"
    assert body["message"] == "The database is unavailable; try again shortly."
    assert body["request_id"]
    assert "SELECT" not in response.get_data(as_text=True)


def real_sqlite_error(make: Callable[[Path], None], tmp_path: Path) -> sqlite3.Error:
    try:
        make(tmp_path)
    except sqlite3.Error as exc:
        return exc
    raise AssertionError("no error")


def locked(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("INSERT INTO t VALUES (1)")
    finally:
        other.close()
        holder.close()


def no_such_table(tmp_path: Path) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("SELECT * FROM nowhere")


CASES: list[tuple[str, Callable[[Path], Exception], int]] = [
    ("pool timeout", lambda _: PoolTimeout("QueuePool limit reached"), 503),
    ("disconnection", lambda _: DisconnectionError("connection lost"), 503),
    (
        "postgresql operational",
        lambda _: OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed")),
        503,
    ),
    (
        "invalidated connection",
        lambda _: ProgrammingError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
        503,
    ),
    (
        "sqlite locked",
        lambda tmp: OperationalError("INSERT", {}, real_sqlite_error(locked, tmp)),
        503,
    ),
    (
        "sqlite no such table",
        lambda tmp: OperationalError("SELECT", {}, real_sqlite_error(no_such_table, tmp)),
        500,
    ),
    ("integrity", lambda _: IntegrityError("INSERT", {}, Exception("duplicate")), 500),
    ("programming", lambda _: ProgrammingError("SELEC", {}, Exception("syntax")), 500),
]


@pytest.mark.parametrize(("name", "make", "status"), CASES, ids=[c[0] for c in CASES])
def test_each_database_error_maps_to_503_or_500(
    tmp_path: Path, name: str, make: Callable[[Path], Exception], status: int
) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    error = make(tmp_path)

    @app.get("/fails", doc_ui=False)
    def fails() -> Any:
        raise error

    response = app.test_client().get("/fails")
    if status == 503:
        assert_unavailable(response)
    else:
        assert response.status_code == 500, name
        assert response.get_json()["error"] == "Internal Server Error"
        assert "Retry-After" not in response.headers


def test_a_request_that_finds_no_free_connection_is_503(tmp_path: Path) -> None:
    """A SQLite file behind a pool of exactly one connection that gives up at once."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'pool.db'}",
            "DB_POOL_SIZE": 1,
            "DB_MAX_OVERFLOW": 0,
            "DB_POOL_TIMEOUT": 0.05,
        }
    )
    with app.app_context():
        db.create_all()
        engine = db.engine
    client = app.test_client()  # each request in an app context of its own, as served
    assert client.get("/api/v1/users").status_code == 200
    with engine.connect():  # the pool's only connection, held elsewhere
        assert_unavailable(client.get("/api/v1/users"))
    assert client.get("/api/v1/users").status_code == 200
    engine.dispose()


def test_a_write_that_finds_the_sqlite_file_locked_is_503(
    tmp_path: Path, build_app: BuildApp
) -> None:
    """Another process holds the SQLite file's write lock longer than the busy timeout
    (here 50 ms, so the test does not wait pysqlite's default 5 s)."""
    path = tmp_path / "locked.db"
    app = build_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.05}},
        }
    )
    with app.app_context():
        db.create_all()
        client = app.test_client()
        _, headers = Api(client).login("alice")
        headers["Idempotency-Key"] = "locked-1"
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            blocked = client.post("/api/v1/tasks", json={"title": "blocked"}, headers=headers)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert_unavailable(blocked)
        retry = client.post("/api/v1/tasks", json={"title": "blocked"}, headers=headers)
        assert retry.status_code == 201, retry.get_json()
        assert "Idempotent-Replayed" not in retry.headers


def test_engine_options_come_from_the_db_settings() -> None:
    settings = {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db",
        "DB_POOL_SIZE": 7,
        "DB_MAX_OVERFLOW": 3,
        "DB_POOL_TIMEOUT": 2.5,
        "DB_POOL_PRE_PING": True,
        "DB_POOL_PING_IDLE": 0.0,
        "DB_STATEMENT_TIMEOUT_MS": 1500,
        "DB_CONNECT_TIMEOUT": 4,
        "DB_PREPARED_STATEMENTS": True,
    }
    # The idle ping (data.db.ping_idle_connections) replaces SQLAlchemy's every-checkout one.
    assert engine_options({**settings, "DB_POOL_PING_IDLE": 1.0})["pool_pre_ping"] is False
    assert engine_options({**settings, "DB_POOL_PRE_PING": False})["pool_pre_ping"] is False
    assert engine_options(settings) == {
        "pool_pre_ping": True,
        "pool_size": 7,
        "max_overflow": 3,
        "pool_timeout": 2.5,
        "connect_args": {"connect_timeout": 4, "options": "-c statement_timeout=1500"},
    }
    memory = engine_options({**settings, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert memory == {"pool_pre_ping": True}
    no_timeout = engine_options({**settings, "DB_STATEMENT_TIMEOUT_MS": 0})
    assert no_timeout["connect_args"] == {"connect_timeout": 4}
    # Behind a transaction-mode PgBouncer: psycopg never prepares (None, not 0: 0 is
    # "prepare at once"); SQLite has no such option.
    unprepared = {**settings, "DB_PREPARED_STATEMENTS": False}
    assert engine_options(unprepared)["connect_args"]["prepare_threshold"] is None
    sqlite_file = engine_options({**unprepared, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    assert "connect_args" not in sqlite_file


def test_prepared_statements_off_reach_the_psycopg_connection(postgres_url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "DB_PREPARED_STATEMENTS": False})
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            assert raw.driver_connection.prepare_threshold is None
        finally:
            raw.close()
        db.engine.dispose()


def _terminate_pooled_backends(postgres_url: str) -> int:
    """Kill, from outside, every server connection the app's pool holds (a restart seen
    from one pool)."""
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(("idle", "served"), [(0.05, True), (3600.0, False)])
def test_a_pooled_connection_idle_past_ping_idle_is_pinged_and_replaced(
    postgres_url: str, idle: float, served: bool
) -> None:
    """DB_POOL_PING_IDLE: a connection that sat idle that long is pinged before use, so a
    connection the server dropped meanwhile is replaced and the request served; one used
    more recently is not pinged (no round trip), and the drop fails one request with 503."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "DB_POOL_PING_IDLE": idle})
    client = app.test_client()  # no app context held: each request returns its connection
    try:
        assert client.get("/api/v1/users").status_code == 200  # one pooled connection
        assert _terminate_pooled_backends(postgres_url) >= 1
        time.sleep(0.1)
        after = client.get("/api/v1/users")
        if served:
            assert after.status_code == 200, after.get_json()
        else:
            assert_unavailable(after)
        # Either way the next request runs on a fresh connection.
        assert client.get("/api/v1/users").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_statement_past_statement_timeout_is_503(postgres_url: str) -> None:
    """A write that waits on a lock longer than DB_STATEMENT_TIMEOUT_MS is cancelled by
    PostgreSQL: the worker is free again and the client told to retry."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "DB_STATEMENT_TIMEOUT_MS": 200})
    try:
        with app.app_context():
            client = app.test_client()
            _, headers = Api(client).login("alice")
            plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain) as holder:
                holder.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
                blocked = client.post("/api/v1/posts", json={"body": "x"}, headers=headers)
                holder.rollback()
            assert_unavailable(blocked)
            assert (
                client.post("/api/v1/posts", json={"body": "x"}, headers=headers).status_code
                == 201
            )
    finally:
        with app.app_context():
            from tests.conftest import empty_postgres_tables

            db.session.remove()
            empty_postgres_tables()
            db.engine.dispose()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/users", {}),  # a Core read: SQLAlchemy's Connection
        ("/api/v1/me", {"Authorization": "Bearer mbt_" + "x" * 43}),  # the credential's read
    ],
)
def test_a_database_that_refuses_connections_is_503(path: str, headers: dict[str, str]) -> None:
    """Found by the fault suite (PostgreSQL restart): reads on a raw DBAPI connection (since
    removed) raised the driver's own error when the server was down, which was a 500."""
    from tests.integration.live import free_port

    nobody = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none"
    app = create_app({"SQLALCHEMY_DATABASE_URI": nobody, "DB_CONNECT_TIMEOUT": 1})
    assert_unavailable(app.test_client().get(path, headers=headers))


def test_a_connection_killed_during_the_request_is_dropped_not_a_500(postgres_url: str) -> None:
    """Found by the fault suite (PostgreSQL restart): the server ended the request's read
    connection while it was in a transaction; closing it at teardown rolled back, failed,
    and the exception escaped the app (gunicorn's HTML 500). Here the test's route reads,
    then has its own backend terminated, as a fast shutdown does."""
    from sqlalchemy import text as sql

    from microblog.data.db import read_connection

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url})

    # A POST: its connection is in a transaction (a GET's reads run in autocommit on
    # PostgreSQL, and closing those rolls nothing back).
    @app.post("/terminated", doc_ui=False)
    def terminated() -> Any:
        conn = read_connection()
        pid = conn.execute(sql("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return {"read": True}

    client = app.test_client()
    assert client.post("/terminated").status_code == 200
    assert client.get("/api/v1/users").status_code == 200  # the dead connection is gone
    with app.app_context():
        db.engine.dispose()


def test_a_session_connection_killed_during_the_request_is_dropped_not_a_500(
    postgres_url: str,
) -> None:
    """Found by the fault suite (PostgreSQL restart, a GET whose ORM session had a
    transaction open): the session's rollback at teardown failed on the connection the
    server had ended, and the exception escaped the app (gunicorn's HTML 500)."""
    from sqlalchemy import text as sql

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url})

    @app.post("/terminated-session", doc_ui=False)  # a transaction: see the test above
    def terminated_session() -> Any:
        pid = db.session.execute(sql("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return {"read": True}

    client = app.test_client()
    assert client.post("/terminated-session").status_code == 200
    assert client.get("/api/v1/users").status_code == 200  # the dead connection is gone
    with app.app_context():
        db.engine.dispose()
