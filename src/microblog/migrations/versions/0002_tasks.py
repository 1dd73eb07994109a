"""tasks, and the indexes the posts, follows and feed queries need

Revision ID: 0002_tasks
Revises: 0001_initial
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_tasks"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tasks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.create_index("ix_tasks_user_id_id", ["user_id", "id"])
        batch_op.create_index("ix_tasks_user_id_title", ["user_id", "title"])
    with op.batch_alter_table("follows") as batch_op:
        batch_op.create_check_constraint("not_self", "follower_id <> followed_id")


def downgrade() -> None:
    with op.batch_alter_table("follows") as batch_op:
        batch_op.drop_constraint(op.f("ck_follows_not_self"), type_="check")
    op.drop_table("tasks")
