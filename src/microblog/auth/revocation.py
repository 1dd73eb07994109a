"""Where revoked JWTs are looked up on every request: the database by default, Redis
when ``REDIS_URL`` is set (every process and instance sees a revocation at once, and
entries expire by TTL).

The database is always the record (``revoked_tokens``, ``token_families.revoked_at``,
written by the JWT service); after the database commits, :func:`mirror_committed` copies
the new revocations to a store that keeps its own copy. A revocation therefore never
depends on Redis being up: if Redis is down the request still succeeds, checks fail
closed (503) until it is back, and it is then rebuilt from the database."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import bindparam, event, exists, or_, select
from sqlalchemy.orm import Session

from microblog.errors import ServiceUnavailable
from microblog.extensions import db, read_connection
from microblog.models import RevokedToken, TokenFamily
from microblog.prepared import Prepared
from microblog.timeutil import utcnow

log = logging.getLogger("microblog.revocation")

EXTENSION_KEY = "microblog.revocations"

IS_REVOKED = Prepared(
    select(
        or_(
            exists().where(RevokedToken.jti == bindparam("jti")),
            exists().where(
                TokenFamily.id == bindparam("fam"), TokenFamily.revoked_at.is_not(None)
            ),
        )
    )
)


class RevocationStore(Protocol):
    def mirror(self, jtis: list[tuple[str, datetime]], families: list[str]) -> None: ...

    def is_revoked(self, jti: str, family_id: str) -> bool: ...


class DatabaseRevocations:
    """Reads the record itself: nothing to mirror."""

    def mirror(self, jtis: list[tuple[str, datetime]], families: list[str]) -> None:
        return None

    def is_revoked(self, jti: str, family_id: str) -> bool:
        row = IS_REVOKED.fetch_one({"jti": jti, "fam": family_id})
        return row is not None and bool(row[0])


class RedisRevocations:
    """Redis keys with TTLs, rebuilt from the database whenever Redis may have lost some.

    A marker key says "this Redis holds every revocation": it is missing after a Redis
    restart or flush (Redis usually runs without persistence), and this process drops it
    when it failed to mirror a revocation that the database committed. A check that finds
    the marker missing first copies the unexpired revocations from the database."""

    PREFIX = "microblog:revoked:"
    MARKER = PREFIX + "complete"

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.needs_resync = False

    @staticmethod
    def _ttl(expires_at: datetime) -> int:
        return max(1, int((expires_at - utcnow()).total_seconds()) + 1)

    def _write(
        self, jtis: list[tuple[str, datetime]], families: list[tuple[str, datetime]]
    ) -> None:
        pipe = self.client.pipeline(transaction=False)
        for jti, expires_at in jtis:
            pipe.set(self.PREFIX + "jti:" + jti, 1, ex=self._ttl(expires_at))
        for family_id, expires_at in families:
            pipe.set(self.PREFIX + "fam:" + family_id, 1, ex=self._ttl(expires_at))
        pipe.execute()

    def mirror(self, jtis: list[tuple[str, datetime]], families: list[str]) -> None:
        horizon = utcnow() + timedelta(seconds=current_app.config["JWT_ACCESS_TTL"])
        try:
            self._write(jtis, [(family_id, horizon) for family_id in families])
        except redis.RedisError:
            # The database has it; copy everything again once Redis answers.
            self.needs_resync = True
            log.warning("revocation not mirrored to Redis; will resynchronise")

    def resync(self) -> None:
        now = utcnow()
        horizon = now + timedelta(seconds=current_app.config["JWT_ACCESS_TTL"])
        conn = read_connection()
        jtis = [
            (row.jti, row.expires_at)
            for row in conn.execute(
                select(RevokedToken.jti, RevokedToken.expires_at).where(
                    RevokedToken.expires_at > now
                )
            )
        ]
        # Access tokens live JWT_ACCESS_TTL: a family revoked longer ago than that has
        # no live access token left to refuse (its refresh tokens are checked in the db).
        families = [
            (family_id, horizon)
            for (family_id,) in conn.execute(
                select(TokenFamily.id).where(
                    TokenFamily.revoked_at > now - (horizon - now),
                    TokenFamily.expires_at > now,
                )
            )
        ]
        self._write(jtis, families)
        self.client.set(self.MARKER, 1)
        self.needs_resync = False

    def is_revoked(self, jti: str, family_id: str) -> bool:
        keys = (self.MARKER, self.PREFIX + "jti:" + jti, self.PREFIX + "fam:" + family_id)
        # Fail closed: without the store we cannot tell a revoked token from a live one.
        try:
            if self.needs_resync:
                self.client.delete(self.MARKER)
            complete, *hits = cast(list[Any], self.client.mget(keys))
            if complete is None:
                self.resync()
                complete, *hits = cast(list[Any], self.client.mget(keys))
        except redis.RedisError:
            raise ServiceUnavailable(
                "The token revocation store is unavailable; try again shortly."
            ) from None
        return any(hit is not None for hit in hits)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    store: RevocationStore = RedisRevocations(url) if url else DatabaseRevocations()
    app.extensions[EXTENSION_KEY] = store


def revocations() -> RevocationStore:
    store: RevocationStore = current_app.extensions[EXTENSION_KEY]
    return store


PENDING = "microblog.pending_revocations"


def record(jtis: list[tuple[str, datetime]] = (), families: list[str] = ()) -> None:  # type: ignore[assignment]
    """Queue revocations written in the current transaction, to mirror once it commits."""
    pending = db.session.info.setdefault(PENDING, ([], []))
    pending[0].extend(jtis)
    pending[1].extend(families)


@event.listens_for(Session, "after_commit")
def mirror_committed(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending and (pending[0] or pending[1]) and has_app_context():
        revocations().mirror(pending[0], pending[1])


@event.listens_for(Session, "after_rollback")
def forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)
