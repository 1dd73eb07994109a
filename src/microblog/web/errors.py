"""The single handler that renders every error (docs/reference.md#errors)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

import orjson
from flask import Flask, Response, current_app, request
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from microblog.data.db import db
from microblog.errors import APIError, FieldErrors
from microblog.telemetry.requestid import get_request_id

log = logging.getLogger("microblog.errors")

PROBLEM_JSON = "application/problem+json"


def wants_problem_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", PROBLEM_JSON])
    return best == PROBLEM_JSON and request.accept_mimetypes[PROBLEM_JSON] > 0


def error_response(
    status: int,
    message: str | None = None,
    *,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    reason = HTTP_STATUS_CODES.get(status, "Unknown Error")
    detail = message or reason
    request_id = get_request_id()
    body: dict[str, Any]
    if wants_problem_json():
        body = {
            "type": "about:blank",
            "title": reason,
            "status": status,
            "detail": detail,
            "instance": request.path,
            "request_id": request_id,
        }
        mimetype = PROBLEM_JSON
    else:
        body = {"error": reason, "message": detail, "request_id": request_id}
        mimetype = "application/json"
    if errors:
        body["errors"] = errors
    response = Response(orjson.dumps(body), status=status, mimetype=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def retry_after() -> dict[str, str]:
    return {"Retry-After": str(current_app.config["SERVICE_RETRY_AFTER"])}


def handle_api_error(exc: APIError) -> Response:
    headers = exc.headers
    if exc.status_code == 503 and "Retry-After" not in headers:
        headers = {**headers, **retry_after()}
    return error_response(exc.status_code, exc.message, errors=exc.errors, headers=headers)


HTTP_MESSAGES = {
    400: "The request could not be understood.",
    404: "The requested URL was not found on the server.",
    405: "The method is not allowed for the requested URL.",
    413: "The request body is too large.",
}


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers: dict[str, str] = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    message = HTTP_MESSAGES.get(status) or exc.description
    if status == 413:
        limit = request.max_content_length
        if limit:
            message = f"The request body is larger than the limit of {limit} bytes."
    return error_response(status, message, headers=headers)


def handle_unexpected(exc: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled exception (request_id=%s)", get_request_id())
    return error_response(500, "An unexpected error occurred; it has been logged.")


#: SQLite result codes that mean "busy or unreachable, try again", not a bug in a query.
SQLITE_TRANSIENT = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
}


def database_unavailable(exc: SQLAlchemyError) -> bool:
    """Whether ``exc`` says the database is down, restarting, saturated or too slow (a 503
    the client may retry), rather than that a statement is wrong (a 500 to fix).

    - no pooled connection free within ``DB_POOL_TIMEOUT``, or a connection found dead;
    - PostgreSQL's operational errors: connection refused or lost, the server shutting
      down or starting up, a statement cancelled by ``statement_timeout``, a deadlock;
    - SQLite's busy/locked/cannot-open/I-O errors (not "no such table")."""
    if isinstance(exc, PoolTimeout | DisconnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return (getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF) in SQLITE_TRANSIENT
    return True


def handle_database_error(exc: SQLAlchemyError) -> Response:
    if not database_unavailable(exc):
        return handle_unexpected(exc)
    with contextlib.suppress(SQLAlchemyError):  # the connection may be gone already
        db.session.rollback()
    cause = type(getattr(exc, "orig", None) or exc).__name__
    log.warning("database unavailable (request_id=%s): %s", get_request_id(), cause)
    return error_response(
        503, "The database is unavailable; try again shortly.", headers=retry_after()
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(APIError, handle_api_error)
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
