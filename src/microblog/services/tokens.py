"""Opaque bearer tokens: random secrets handed out once, stored as SHA-256 hashes.

A token carries 256 bits of entropy, so a fast hash is enough (no dictionary attack is
possible) and lookup by hash is an indexed equality test: the secret itself is never
compared byte by byte."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select

from microblog.data.db import db, read_connection, settings
from microblog.data.models import Token, User
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow

TOKEN_PREFIX = "mbt_"  # noqa: S105 - a public marker for secret scanners

PRINCIPAL_BY_TOKEN = (
    select(User.id, User.username, User.role, User.last_seen, Token.id)
    .join(Token, Token.user_id == User.id)
    .where(
        Token.token_hash == bindparam("token_hash"),
        Token.expires_at > bindparam("now"),
        User.is_active.is_(True),
    )
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(user_id: int) -> tuple[str, datetime]:
    now = utcnow()
    # Expired tokens are ignored by every check and deleted by `flask prune`, not here.
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=settings()["TOKEN_TTL"])
    db.session.add(Token(token_hash=hash_token(token), user_id=user_id, expires_at=expires_at))
    db.session.commit()
    return token, expires_at


def principal_for_token(token: str) -> Principal | None:
    params = {"token_hash": hash_token(token), "now": utcnow()}
    row = read_connection().execute(PRINCIPAL_BY_TOKEN, params).one_or_none()
    if row is None:
        return None
    user_id, username, role, last_seen, token_id = row
    return Principal(
        id=user_id,
        username=username,
        role=role,
        last_seen=last_seen,
        credential="token",
        token_id=token_id,
    )


def revoke_token(token_id: int) -> None:
    db.session.execute(delete(Token).where(Token.id == token_id))
    db.session.commit()
