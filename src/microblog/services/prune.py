"""``flask prune``: forget what can no longer matter, off the request path.

Expired opaque tokens, expired token families with their refresh tokens, and
``Idempotency-Key`` records older than 24 h. Requests never sweep: every check already
ignores what has expired (a token's ``expires_at``, a family's, a key's age), so how
often this runs changes how much the tables hold, never an answer.

Each statement deletes at most ``batch`` rows and commits, so no transaction holds many
locks or much WAL, and the command is safe to run on every instance at once (a cron job
or a Kubernetes CronJob per replica): deleting what is already gone deletes nothing, and
on PostgreSQL each batch picks its rows with ``FOR UPDATE SKIP LOCKED``, so concurrent
runs share the work instead of waiting on each other's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from microblog.data.db import db
from microblog.data.models import IdempotencyKey, RefreshToken, Token, TokenFamily
from microblog.data.models.idempotency import KEY_LIFETIME as IDEMPOTENCY_TTL
from microblog.data.timeutil import utcnow

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Pruned:
    tokens: int
    refresh_tokens: int
    token_families: int
    idempotency_keys: int

    def __str__(self) -> str:
        return (
            f"pruned {self.tokens} tokens, {self.token_families} token families, "
            f"{self.refresh_tokens} refresh tokens, {self.idempotency_keys} idempotency keys"
        )


def _delete_in_batches(
    table: Any,
    key: ColumnElement[Any] | InstrumentedAttribute[Any],
    victims: Select[Any],
    batch: int,
) -> int:
    """``DELETE FROM table WHERE key IN (victims LIMIT batch)``, one commit per batch,
    until a batch comes back short."""
    chosen = victims.limit(batch).with_for_update(skip_locked=True, of=table)
    stmt = delete(table).where(key.in_(chosen))
    total = 0
    while True:
        deleted: int = db.session.execute(stmt).rowcount  # type: ignore[attr-defined]
        db.session.commit()
        total += deleted
        if deleted < batch:
            return total


def prune(batch: int = BATCH, now: datetime | None = None) -> Pruned:
    now = now or utcnow()
    tokens = _delete_in_batches(
        Token, Token.id, select(Token.id).where(Token.expires_at <= now), batch
    )
    refresh_tokens = _delete_in_batches(
        RefreshToken,
        RefreshToken.jti,
        select(RefreshToken.jti)
        .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
        .where(TokenFamily.expires_at < now),
        batch,
    )
    families = _delete_in_batches(
        TokenFamily,
        TokenFamily.id,
        select(TokenFamily.id).where(TokenFamily.expires_at < now),
        batch,
    )
    keys = _delete_in_batches(
        IdempotencyKey,
        tuple_(IdempotencyKey.user_id, IdempotencyKey.key),
        select(IdempotencyKey.user_id, IdempotencyKey.key).where(
            IdempotencyKey.created_at < now - IDEMPOTENCY_TTL
        ),
        batch,
    )
    return Pruned(tokens, refresh_tokens, families, keys)
