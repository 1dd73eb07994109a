"""``Idempotency-Key`` on creating requests (docs/reference.md#idempotency).

A retry with the same key and body by the same user within 24 h gets the first response
(status, body, ``Location``) and creates nothing; the same key with another body is 422;
a retry that arrives while the first is still running gets 409. Keys are claimed by
inserting their row before the work runs, so concurrent retries cannot both create."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

import orjson
from flask import Response, request
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from microblog.auth import require_user
from microblog.errors import APIError, BadRequest, Conflict
from microblog.extensions import db
from microblog.models import IdempotencyKey
from microblog.timeutil import utcnow

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
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
    """Insert the key's row; None if we now own the key, else the existing row."""
    now = utcnow()
    try:
        db.session.execute(
            insert(IdempotencyKey).values(
                user_id=user_id, key=key, fingerprint=fingerprint, created_at=now
            )
        )
        db.session.commit()
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


def _release(user_id: int, key: str) -> None:
    db.session.rollback()
    db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    db.session.commit()


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a creating view (inside its ``auth_required``) to honour the header."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
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
            _release(user_id, key)
            raise
        if response.status_code >= 500:
            _release(user_id, key)
            return response
        record = db.session.get(IdempotencyKey, (user_id, key))
        if record is not None:
            record.status = response.status_code
            record.body = response.get_data()
            record.location = response.headers.get("Location")
            db.session.commit()
        return response

    return wrapper
