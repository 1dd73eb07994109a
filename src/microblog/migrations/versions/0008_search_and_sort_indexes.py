"""full-text search on posts; indexes for page mode's updated_at and title sorts

Revision ID: 0008_search_and_sort_indexes
Revises: 0007_ids_never_reused
Create Date: 2026-12-01

* ``posts.search``: a generated column, ``to_tsvector('simple', title || ' ' || body)``
  STORED on PostgreSQL with a GIN index (``GET /posts?q=``: docs/architecture.md#search);
  on SQLite a VIRTUAL column that is always NULL (no storage: SQLite searches with LIKE).
* ``ix_posts_published_updated`` and ``ix_posts_published_title``: ``GET /posts?sort=
  [-]updated_at`` and ``?sort=[-]title`` read the first page from an index instead of
  sorting every published post (bench/results/explain-pg-*.md).

On PostgreSQL, adding a STORED generated column rewrites ``posts`` under an ACCESS
EXCLUSIVE lock (about a minute at 1 M posts on the bench machine; reads and writes of
posts wait), and the indexes are built inside the migration's transaction: on a large
table, run it in a maintenance window.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_search_and_sort_indexes"
down_revision = "0007_ids_never_reused"
branch_labels = None
depends_on = None

POSTGRESQL_DOCUMENT = "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || body)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "posts",
            sa.Column(
                "search",
                postgresql.TSVECTOR(),
                sa.Computed(sa.text(POSTGRESQL_DOCUMENT), persisted=True),
                nullable=True,
            ),
        )
        op.create_index("ix_posts_search", "posts", ["search"], postgresql_using="gin")
    else:
        # ALTER TABLE ... ADD COLUMN takes a VIRTUAL generated column: no table rebuild.
        op.add_column(
            "posts",
            sa.Column("search", sa.Text(), sa.Computed(sa.text("NULL")), nullable=True),
        )
    op.create_index("ix_posts_published_updated", "posts", ["published", "updated_at", "id"])
    op.create_index("ix_posts_published_title", "posts", ["published", "title", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_published_title", table_name="posts")
    op.drop_index("ix_posts_published_updated", table_name="posts")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_posts_search", table_name="posts")
        op.drop_column("posts", "search")
    else:
        # DROP COLUMN works on a VIRTUAL column that nothing indexes (SQLite >= 3.35).
        op.execute("ALTER TABLE posts DROP COLUMN search")
