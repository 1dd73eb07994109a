"""Extensions, created unbound and attached to an app in ``create_app``."""

import contextlib
import logging
import sqlite3
from typing import Any

from flask import g
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import PoolProxiedConnection

log = logging.getLogger("microblog.db")

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


db = SQLAlchemy(model_class=Base)


def in_write_transaction() -> bool:
    """Whether this request's ORM session has a transaction open (it has written)."""
    return db.session.registry.has() and db.session().in_transaction()


def read_connection() -> Connection:
    """A connection for Core reads in this request.

    While the ORM session has a transaction open (the request has written something) reads
    go through the session's connection so they see those writes; otherwise through one
    plain connection per request (closed at teardown), which skips the ORM session's
    bookkeeping: ~50 µs instead of ~130 µs per read on SQLite."""
    if in_write_transaction():
        return db.session.connection()
    conn: Connection | None = g.get("_read_connection")
    if conn is None or conn.closed:
        conn = g._read_connection = db.engine.connect()
    return conn


def read_dbapi_connection() -> PoolProxiedConnection:
    """A pooled DBAPI connection for this request's prepared reads (prepared.py), checked
    out on first use and returned to the pool (which rolls it back) at teardown."""
    conn: PoolProxiedConnection | None = g.get("_read_dbapi_connection")
    if conn is None:
        engine = db.engine
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            conn = engine.raw_connection()
        except dbapi_error as exc:
            # The pool hands over the driver's own error when it cannot connect (a
            # Connection would wrap it): wrap it so errors.py sees a database outage.
            raise DBAPIError.instance(
                None, None, exc, dbapi_error, connection_invalidated=True, dialect=engine.dialect
            ) from exc
        g._read_dbapi_connection = conn
    return conn


def close_read_connection(exc: BaseException | None = None) -> None:
    """Return the request's read connections to the pool (teardown: must not raise).

    Closing rolls back; if the database went away meanwhile (a restart: "terminating
    connection due to administrator command") that rollback fails, and an exception here
    would escape the app after its response was made (gunicorn's own HTML 500). Such a
    connection is dead: it is dropped from the pool instead."""
    conn: Connection | None = g.pop("_read_connection", None)
    if conn is not None:
        try:
            conn.close()
        except SQLAlchemyError:
            log.warning("read connection lost at the end of a request; dropped")
            with contextlib.suppress(SQLAlchemyError):
                conn.invalidate()
    # The ORM session the same way, before Flask-SQLAlchemy's own teardown removes it (a
    # teardown registered later runs earlier): its rollback on a connection the server
    # ended would escape the app too (found by the fault suite's PostgreSQL restart).
    if db.session.registry.has():
        session = db.session()
        try:
            session.close()
        except SQLAlchemyError:
            log.warning("session connection lost at the end of a request; dropped")
            with contextlib.suppress(SQLAlchemyError):
                session.invalidate()
    dbapi_connection: PoolProxiedConnection | None = g.pop("_read_dbapi_connection", None)
    if dbapi_connection is not None:
        try:
            dbapi_connection.close()
        except Exception:  # the driver's own errors: this is a raw DBAPI connection
            log.warning("read connection lost at the end of a request; dropped")
            with contextlib.suppress(Exception):
                dbapi_connection.invalidate()


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys unless asked, per connection.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


migrate = Migrate()
