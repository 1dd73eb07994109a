"""Prepared reads: a Core ``select()`` compiled once per database dialect and run straight
on the DBAPI cursor of the request's read connection.

SQLAlchemy still builds and compiles the SQL, binds the parameters (its bind processors)
and converts the results (its result processors); what this skips is its per-execution
machinery: execution context, result metadata and ``Row`` objects. For the one-row read
of ``GET /users/{id}`` that machinery measured 25 µs against 6.5 µs for the same SQL on
the sqlite3 cursor, on a request of ~170 µs (docs/architecture.md). Only the
reads every request makes go this way (a user by id, a credential's user, whether a JWT
is revoked).

Rows are plain tuples in the statement's column order. Anything this does not handle (an
expanding ``IN`` parameter, escaped parameter names) takes SQLAlchemy's own path, and so
does every execution while anyone listens to the engine's cursor events (the tests'
statement counters, tracing), so those see every statement as before.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.sql.compiler import SQLCompiler

from microblog.data.db import (
    db,
    in_write_transaction,
    read_connection,
    read_dbapi_connection,
)

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Plan:
    compiled: SQLCompiler
    sql: str
    order: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    binders: tuple[tuple[str, Processor], ...]
    #: the statement's own values (literals) and the names the caller must supply; None
    #: when a value is computed per execution (then ``construct_params`` does it all)
    fixed: dict[str, Any] | None
    required: tuple[str, ...]
    results: tuple[Processor | None, ...] | None  # None when no column needs converting


def _plan(stmt: Select[Any], dialect: Dialect) -> _Plan | None:
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    binds = compiled.binds
    if compiled.escaped_bind_names or any(
        bind.expanding or bind.literal_execute for bind in binds.values()
    ):
        return None
    binders = []
    for name, bind in binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binders.append((name, processor))
    computed = any(bind.callable is not None for bind in binds.values())
    fixed = {name: bind.value for name, bind in binds.items() if not bind.required}
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in stmt.selected_columns
    )
    return _Plan(
        compiled=compiled,
        sql=compiled.string,
        order=tuple(compiled.positiontup or ()) if dialect.positional else None,
        binders=tuple(binders),
        fixed=None if computed else fixed,
        required=tuple(name for name, bind in binds.items() if bind.required),
        results=results if any(results) else None,
    )


def _instrumented(dispatch: Any) -> bool:
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


class Prepared:
    """A ``select()`` to run with :meth:`fetch` / :meth:`fetch_one` in a request, or with
    :meth:`all` / :meth:`one_or_none` on a given connection."""

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt
        self.plans: weakref.WeakKeyDictionary[Dialect, _Plan | None] = weakref.WeakKeyDictionary()

    def plan(self, dialect: Dialect) -> _Plan | None:
        try:
            return self.plans[dialect]
        except KeyError:
            plan = self.plans[dialect] = _plan(self.stmt, dialect)
            return plan

    def fetch(self, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows, read in the current request: through the ORM session's connection
        while the request has a write transaction open (so it sees its own writes), else
        on the request's pooled DBAPI connection (:func:`read_dbapi_connection`), which
        skips SQLAlchemy's ``Connection`` (its begin, rollback and pool bookkeeping cost
        more than the query: docs/architecture.md, "Prepared reads")."""
        if in_write_transaction():
            return self.all(db.session.connection(), params)
        engine = db.engine
        plan = self.plan(engine.dialect)
        if plan is None or _instrumented(engine.dispatch):
            return self.all(read_connection(), params)
        dbapi_connection = read_dbapi_connection()
        try:
            return _execute(plan, engine.dialect, dbapi_connection, params)
        except DBAPIError as exc:
            _recover(dbapi_connection, exc)
            raise

    def fetch_one(self, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The only row, or None (:meth:`fetch`)."""
        return _only(self.fetch(params))

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows, read on ``conn``."""
        plan = self.plan(conn.dialect)
        if plan is None or _instrumented(conn.dispatch):
            return [tuple(row) for row in conn.execute(self.stmt, params)]
        if not conn.in_transaction():
            # Begin as SQLAlchemy would: the DBAPI connection opens a transaction on the
            # first statement (PostgreSQL), and rollback() and close() must know to end it.
            conn.begin()
        return _execute(plan, conn.dialect, conn.connection, params)

    def one_or_none(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The only row, or None; more than one row is a bug in the statement."""
        return _only(self.all(conn, params))


def _only(rows: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    if len(rows) > 1:
        raise RuntimeError(f"expected at most one row, got {len(rows)}")
    return rows[0] if rows else None


def _execute(
    plan: _Plan, dialect: Dialect, dbapi_connection: Any, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    if plan.fixed is None:
        values = plan.compiled.construct_params(params)
    else:  # what construct_params does for such a statement, for a third of the time
        try:
            values = {**plan.fixed, **{name: params[name] for name in plan.required}}
        except KeyError as exc:
            raise InvalidRequestError(
                f"A value is required for bind parameter {exc.args[0]!r}"
            ) from None
    for name, processor in plan.binders:
        values[name] = processor(values[name])
    args: Any = values if plan.order is None else tuple(values[n] for n in plan.order)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(plan.sql, args)
        rows: list[tuple[Any, ...]] = list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            plan.sql,
            args,
            exc,
            dialect.loaded_dbapi.Error,
            connection_invalidated=dialect.is_disconnect(exc, dbapi_connection, cursor),
            dialect=dialect,
        ) from exc
    finally:
        cursor.close()
    results = plan.results
    if results is None:
        return rows
    return [
        tuple(value if p is None else p(value) for p, value in zip(results, row, strict=True))
        for row in rows
    ]


def _recover(dbapi_connection: Any, error: DBAPIError) -> None:
    """After a failed statement: a dead connection leaves the pool; a live one is rolled
    back, so the request's next read does not meet an aborted transaction (PostgreSQL)."""
    if not error.connection_invalidated:
        with contextlib.suppress(Exception):  # a failed rollback: treat it as dead too
            dbapi_connection.rollback()
            return
    dbapi_connection.invalidate()
