from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from microblog.data.db import db
from microblog.data.timeutil import utcnow

#: The text search configuration of ``posts.search`` and of every query on it: 'simple'
#: lowercases words and keeps every one of them (no stemming, no stop words), whatever
#: language a post is in (docs/architecture.md#search).
SEARCH_CONFIG = "simple"
#: Only PostgreSQL has the GIN index on ``posts.search`` (``info`` is read by the
#: migrations' autogenerate filter, ``ddl_if`` by ``db.create_all()``).
POSTGRESQL_ONLY = {"dialect": "postgresql"}


class SearchDocument(FunctionElement[Any]):
    """The generated ``posts.search`` column's expression: title and body as a
    ``tsvector`` on PostgreSQL; NULL elsewhere (SQLite searches with ``LIKE``, and its
    VIRTUAL column costs no storage)."""

    name = "search_document"
    inherit_cache = True


@compiles(SearchDocument, "postgresql")
def _search_document_postgresql(element: SearchDocument, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_tsvector('{SEARCH_CONFIG}'::regconfig, coalesce(title, '') || ' ' || body)"


@compiles(SearchDocument)
def _search_document_other(element: SearchDocument, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


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
    #: Full-text search document (PostgreSQL; GENERATED ... STORED, GIN-indexed). Never
    #: loaded with a post: only the search statements read it.
    search: Mapped[Any] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"),
        Computed(SearchDocument()),
        nullable=True,
        deferred=True,
    )

    __table_args__ = (
        # Covering for a user's published posts in time order (profile pages, the feed).
        Index("ix_posts_user_published_created", "user_id", "published", "created_at", "id"),
        # Covering for counting published posts and listing them newest first.
        Index("ix_posts_published_created", "published", "created_at", "id"),
        Index("ix_posts_created_at", "created_at", "id"),
        # Page mode's other sorts (?sort=[-]updated_at, ?sort=[-]title), read in order.
        Index("ix_posts_published_updated", "published", "updated_at", "id"),
        Index("ix_posts_published_title", "published", "title", "id"),
        Index("ix_posts_search", "search", postgresql_using="gin", info=POSTGRESQL_ONLY).ddl_if(
            dialect="postgresql"
        ),
        # Ids are never handed out again after a delete (docs/security.md#ids).
        {"sqlite_autoincrement": True},
    )
    # An INSERT returns the id only, not the generated ``search`` (a post's whole text).
    __mapper_args__ = {"eager_defaults": False}
