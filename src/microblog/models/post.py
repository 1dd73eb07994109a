from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from microblog.extensions import db
from microblog.timeutil import utcnow


class Post(db.Model):  # type: ignore[name-defined,misc]
    """A blog post. Its routes are in api/posts.py; the table exists from the
    first migration so that user counts are real queries from day one."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        # Covering for a user's published posts in time order (profile pages, the feed).
        Index("ix_posts_user_published_created", "user_id", "published", "created_at", "id"),
        # Covering for counting published posts and listing them newest first.
        Index("ix_posts_published_created", "published", "created_at", "id"),
        Index("ix_posts_created_at", "created_at", "id"),
        # Ids are never handed out again after a delete (docs/security.md#ids).
        {"sqlite_autoincrement": True},
    )
