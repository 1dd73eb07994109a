from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from microblog.data.db import db
from microblog.data.timeutil import utcnow

#: How long a key and its stored response are kept (docs/reference.md#idempotency).
KEY_LIFETIME = timedelta(hours=24)


class IdempotencyKey(db.Model):  # type: ignore[name-defined,misc]
    """A client's ``Idempotency-Key`` and the first response it got.

    The row is inserted before the work starts and committed with the work and the
    response (services/idempotency.py): the primary key makes concurrent retries queue
    behind it, so exactly one of them does the work."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, index=True
    )
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    location: Mapped[str | None] = mapped_column(Text, nullable=True)
