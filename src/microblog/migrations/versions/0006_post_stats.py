"""a trigger-maintained count of published posts

Revision ID: 0006_post_stats
Revises: 0005_post_indexes
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from microblog.data.models.stats import POSTGRESQL_TRIGGERS, SEED_ROWS, SQLITE_TRIGGERS

revision = "0006_post_stats"
down_revision = "0005_post_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stats = op.create_table(
        "post_stats",
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("published", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_post_stats")),
    )
    op.bulk_insert(stats, SEED_ROWS)
    op.execute(
        "UPDATE post_stats SET published = (SELECT count(*) FROM posts "
        "WHERE posts.published AND (posts.id & 7) = post_stats.shard)"
    )
    dialect = op.get_bind().dialect.name
    for sql in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER posts_count ON posts")
        op.execute("DROP FUNCTION posts_count()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER posts_count_{name}")
    op.drop_table("post_stats")
