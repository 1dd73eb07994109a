"""``Idempotency-Key`` on creating requests (docs/reference.md#idempotency).

A retry with the same key and body by the same user within 24 h gets the first response
(status, body, ``Location``) and creates nothing; the same key with another body is 422;
a retry that arrives while the first is still running waits for it and gets its replay.

The key's row, the work's rows and the recorded response commit in ONE transaction: the
key is inserted (not committed) before the work runs, the view's writes are flushed into
the same transaction, and the response is written into the key's row before the single
commit. A process killed at any point therefore leaves either nothing (the retry does the
work) or the work with its response (the retry gets the replay), never a key "in
progress" with no outcome. Concurrent retries queue on the key's primary key (PostgreSQL
blocks the second insert until the first commits; SQLite's write lock serialises them)
and then replay. A key still visible without a response can only be a claim left by a
version that committed in steps; it answers 409 until it expires."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from flask import Response, request
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from microblog.data.db import db
from microblog.data.models import IdempotencyKey
from microblog.data.models.idempotency import KEY_LIFETIME
from microblog.data.timeutil import utcnow
from microblog.errors import APIError, BadRequest, Conflict
from microblog.web.auth import require_user

HEADER = "Idempotency-Key"
TTL = KEY_LIFETIME
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as in the IETF draft


class KeyReused(APIError):
    status_code = 422
    default_message = "This Idempotency-Key was already used with a different request body."


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(f"{request.method} {request.path} ".encode() + canonical).hexdigest()


def _replay(record: IdempotencyKey) -> Response:
    response = Response(record.body, status=record.status, mimetype="application/json")
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _claim(user_id: int, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Insert the key's row in a transaction left open; None if we now own the key (the
    caller commits it with the work), else the existing, committed row."""
    now = utcnow()
    try:
        db.session.execute(
            insert(IdempotencyKey).values(
                user_id=user_id, key=key, fingerprint=fingerprint, created_at=now
            )
        )
        return None
    except IntegrityError:
        db.session.rollback()
    existing = db.session.get(IdempotencyKey, (user_id, key), populate_existing=True)
    if existing is not None and existing.created_at < now - TTL:
        # Expired but not pruned yet (`flask prune` deletes old keys, requests do not):
        # as good as absent. Of concurrent retries, one deletes it, one claims the key.
        db.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id,
                IdempotencyKey.key == key,
                IdempotencyKey.created_at < now - TTL,
            )
        )
        db.session.commit()
        existing = None
    if existing is None:  # expired (or pruned) between our insert and read: claim again
        return _claim(user_id, key, fingerprint)
    return existing


def _record(user_id: int, key: str, response: Response) -> None:
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .values(
            status=response.status_code,
            body=response.get_data(),
            location=response.headers.get("Location"),
        )
    )


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a creating view (declared ``idempotent=True``, web/routes.py) to honour the header.

    The view flushes its writes and does not commit: this wrapper commits them, with the
    key and the recorded response when the request carries a key (see the module)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            response = view(*args, **kwargs)
            db.session.commit()
            return response
        if not VALID_KEY.fullmatch(key):
            raise BadRequest(f"{HEADER} must be 1-255 visible ASCII characters.")
        user_id = require_user().id
        fingerprint = _fingerprint()
        existing = _claim(user_id, key, fingerprint)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise KeyReused()
            if existing.status is None:
                raise Conflict("A request with this Idempotency-Key is still in progress.")
            return _replay(existing)
        try:
            response = view(*args, **kwargs)
        except BaseException:
            db.session.rollback()  # the key and the work go together
            raise
        if response.status_code >= 500:
            db.session.rollback()
            return response
        _record(user_id, key, response)
        db.session.commit()
        return response

    return wrapper
