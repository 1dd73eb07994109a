"""API keys: ``mbk_<prefix>_<secret>``. The public prefix finds the row; the SHA-256 of
the whole key is compared in constant time. The ``mbk_`` marker lets secret scanners
recognise a leaked key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update

from microblog.data.db import db, read_connection, settings
from microblog.data.models import ApiKey, User
from microblog.data.pages import Page, PageRequest
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow
from microblog.services.common import get_authorized
from microblog.services.permissions import IsOwner

KEY_MARKER = "mbk_"

PRINCIPAL_BY_PREFIX = (
    select(
        User.id,
        User.username,
        User.role,
        User.last_seen,
        ApiKey.id,
        ApiKey.key_hash,
        ApiKey.last_used_at,
    )
    .join(ApiKey, ApiKey.user_id == User.id)
    .where(ApiKey.prefix == bindparam("prefix"), User.is_active.is_(True))
)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(owner: Principal, name: str) -> tuple[ApiKey, str]:
    prefix = secrets.token_hex(6)
    key = f"{KEY_MARKER}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(user_id=owner.id, name=name, prefix=prefix, key_hash=_hash(key))
    db.session.add(api_key)
    db.session.commit()
    return api_key, key


def list_keys(owner: Principal, page: PageRequest) -> Page[ApiKey]:
    where = ApiKey.user_id == owner.id
    total = db.session.execute(select(func.count(ApiKey.id)).where(where)).scalar_one()
    if page.is_past_end(total):
        return Page([], page, total)
    keys = db.session.scalars(
        select(ApiKey).where(where).order_by(ApiKey.id).limit(page.per_page).offset(page.offset)
    )
    return Page(keys.all(), page, total)


def delete_key(owner: Principal, key_id: int) -> None:
    db.session.delete(get_authorized(ApiKey, key_id, owner, IsOwner("API key"), "API key"))
    db.session.commit()


def principal_for_key(key: str) -> Principal | None:
    parts = key.split("_", 2)  # the secret itself may contain "_" (URL-safe base64)
    if len(parts) != 3 or f"{parts[0]}_" != KEY_MARKER:
        return None
    row = read_connection().execute(PRINCIPAL_BY_PREFIX, {"prefix": parts[1]}).one_or_none()
    # Hash and compare even when the prefix is unknown: the same work either way.
    expected = row[5] if row is not None else _hash("")
    if not hmac.compare_digest(_hash(key), expected) or row is None:
        return None
    user_id, username, role, last_seen, key_id, _, last_used_at = row
    _touch(key_id, last_used_at)
    return Principal(
        id=user_id, username=username, role=role, last_seen=last_seen, credential="api_key"
    )


def _touch(key_id: int, last_used_at: Any) -> None:
    """``last_used_at`` with the same once-a-minute bound as ``last_seen``."""
    now = utcnow()
    interval = timedelta(seconds=settings()["LAST_SEEN_INTERVAL"])
    if last_used_at is not None and now - last_used_at < interval:
        return
    db.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
    db.session.commit()
