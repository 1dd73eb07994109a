"""Extensions, created unbound and attached to an app in ``create_app``."""

import contextlib
import logging
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger("microblog.db")


def settings() -> Mapping[str, Any]:
    """The running app's settings: the one door from services and data to the app."""
    return current_app.config


def app_extension(key: str) -> Any:
    """An object the app factory attached to the running app (the password hasher)."""
    return current_app.extensions[key]


# Deterministic constraint names so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RequestSession(Session):
    """In a request, the ORM session runs on the request's one connection
    (:func:`request_connection`), so a request checks out one pooled connection however
    many commits and reads it makes (docs/architecture.md#one-way-to-the-database);
    elsewhere (CLI, shell) on the engine."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        bound = self.info.get("bind")
        if bound is not None and self.in_transaction():
            return bound  # a transaction stays where it began (tests share one session)
        if has_request_context():
            bound = request_connection()
        else:
            bound = super().get_bind(*args, **kwargs)
        self.info["bind"] = bound
        return bound


# "control_fully": the session commits and rolls back the request connection's
# transaction even when a Core read on that connection began it.
db = SQLAlchemy(
    model_class=Base,
    session_options={"class_": RequestSession, "join_transaction_mode": "control_fully"},
)


def in_write_transaction() -> bool:
    """Whether this request's ORM session has a transaction open (it has written)."""
    return db.session.registry.has() and db.session().in_transaction()


#: Requests that only read (a GET may still write a single row: ``last_seen``).
READING_METHODS = frozenset({"GET", "HEAD"})


def request_connection() -> Connection:
    """This request's connection: checked out of the pool on first use, returned at
    teardown. The ORM session and Core reads both run on it.

    On PostgreSQL, GET and HEAD run it in autocommit: no ``BEGIN`` before the first
    statement and no ``ROLLBACK`` at the end, two round trips of a read. The rule this sets
    for a GET's writes, and the numbers: docs/architecture.md#one-way-to-the-database."""
    conn: Connection | None = g.get("db_connection")
    if conn is None or conn.closed:
        conn = g.db_connection = db.engine.connect()
        reading = has_request_context() and request.method in READING_METHODS
        if reading and conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def read_connection() -> Connection:
    """A connection for Core reads in this request: the request's connection (the ORM
    session's too), which skips the session's bookkeeping (~50 µs instead of ~130 µs per
    read on SQLite); the session's own while it has a transaction open, so reads see the
    request's writes wherever that transaction began."""
    if in_write_transaction():
        return db.session.connection()
    return request_connection()


def close_read_connection(exc: BaseException | None = None) -> None:
    """End the request's session and return its connection to the pool (teardown: must
    not raise).

    Closing rolls back; if the database went away meanwhile (a restart: "terminating
    connection due to administrator command") that rollback fails, and an exception here
    would escape the app after its response was made (gunicorn's own HTML 500, found by
    the fault suite's PostgreSQL restart). Such a connection is dead: it is dropped from
    the pool instead."""
    conn: Connection | None = g.pop("db_connection", None)
    if db.session.registry.has():
        session = db.session()
        try:
            session.close()  # end the session's transaction on the connection first
        except SQLAlchemyError:
            log.warning("session connection lost at the end of a request; dropped")
            with contextlib.suppress(SQLAlchemyError):
                session.invalidate()
        db.session.remove()
    if conn is not None:
        try:
            conn.close()
        except SQLAlchemyError:
            log.warning("request connection lost at the end of a request; dropped")
            with contextlib.suppress(SQLAlchemyError):
                conn.invalidate()


IDLE_SINCE = "microblog_idle_since"


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only if it sat idle ``idle_seconds`` or more.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one round trip in every
    request, although under load a connection is back in use within milliseconds (the
    numbers: docs/operations.md#connections-and-restarts). A connection that fails the
    ping is replaced before the request sees it (SQLAlchemy's documented checkout rule:
    raise ``DisconnectionError``); one that breaks while in use (the server restarted
    within the idle window) fails its request with a 503, and SQLAlchemy then drops the
    rest of the pool."""

    @event.listens_for(engine, "connect")
    def fresh(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        if time.monotonic() - record.info.get(IDLE_SINCE, 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as err:  # whatever the driver raises, this connection is unusable
            raise DisconnectionError(f"pooled connection failed its ping: {err}") from err


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys unless asked, per connection.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


migrate = Migrate()
