"""covering indexes for the feed and for counting published posts

Revision ID: 0005_post_indexes
Revises: 0004_idempotency
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005_post_indexes"
down_revision = "0004_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_index("ix_posts_user_id_created_at")
        batch_op.create_index(
            "ix_posts_user_published_created", ["user_id", "published", "created_at", "id"]
        )
        batch_op.create_index("ix_posts_published_created", ["published", "created_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_index("ix_posts_published_created")
        batch_op.drop_index("ix_posts_user_published_created")
        batch_op.create_index("ix_posts_user_id_created_at", ["user_id", "created_at", "id"])
