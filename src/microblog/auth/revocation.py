"""Where revoked JWTs are looked up on every request: the database by default, Redis
when ``REDIS_URL`` is set (every process and instance sees a revocation at once, and
entries expire by TTL).

The database is always the record (``revoked_tokens``, ``token_families.revoked_at``,
written by the JWT service); a store's ``revoke_*`` methods mirror that record where the
store keeps its own copy."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import redis
from flask import Flask, current_app
from sqlalchemy import bindparam, exists, or_, select

from microblog.errors import ServiceUnavailable
from microblog.extensions import read_connection
from microblog.models import RevokedToken, TokenFamily
from microblog.timeutil import utcnow

EXTENSION_KEY = "microblog.revocations"

IS_REVOKED = select(
    or_(
        exists().where(RevokedToken.jti == bindparam("jti")),
        exists().where(TokenFamily.id == bindparam("fam"), TokenFamily.revoked_at.is_not(None)),
    )
)


class RevocationStore(Protocol):
    def revoke_access(self, jti: str, expires_at: datetime) -> None: ...

    def revoke_families(self, family_ids: list[str], expires_at: datetime) -> None: ...

    def is_revoked(self, jti: str, family_id: str) -> bool: ...


class DatabaseRevocations:
    """Reads the record itself: nothing to mirror."""

    def revoke_access(self, jti: str, expires_at: datetime) -> None:
        return None

    def revoke_families(self, family_ids: list[str], expires_at: datetime) -> None:
        return None

    def is_revoked(self, jti: str, family_id: str) -> bool:
        return bool(read_connection().execute(IS_REVOKED, {"jti": jti, "fam": family_id}).scalar())


class RedisRevocations:
    PREFIX = "microblog:revoked:"

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    @staticmethod
    def _ttl(expires_at: datetime) -> int:
        return max(1, int((expires_at - utcnow()).total_seconds()) + 1)

    def revoke_access(self, jti: str, expires_at: datetime) -> None:
        self._call(
            lambda: self.client.set(self.PREFIX + "jti:" + jti, 1, ex=self._ttl(expires_at))
        )

    def revoke_families(self, family_ids: list[str], expires_at: datetime) -> None:
        if not family_ids:
            return
        ttl = self._ttl(expires_at)

        def write() -> object:
            pipe = self.client.pipeline(transaction=False)
            for family_id in family_ids:
                pipe.set(self.PREFIX + "fam:" + family_id, 1, ex=ttl)
            return pipe.execute()

        self._call(write)

    def is_revoked(self, jti: str, family_id: str) -> bool:
        keys = (self.PREFIX + "jti:" + jti, self.PREFIX + "fam:" + family_id)
        return bool(self._call(lambda: self.client.exists(*keys)))

    @staticmethod
    def _call(operation: object) -> object:
        # Fail closed: without the store we cannot tell a revoked token from a live one.
        try:
            return operation()  # type: ignore[operator]
        except redis.RedisError:
            raise ServiceUnavailable(
                "The token revocation store is unavailable; try again shortly."
            ) from None


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    store: RevocationStore = RedisRevocations(url) if url else DatabaseRevocations()
    app.extensions[EXTENSION_KEY] = store


def revocations() -> RevocationStore:
    store: RevocationStore = current_app.extensions[EXTENSION_KEY]
    return store
