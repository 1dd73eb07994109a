"""ids never reused after a delete (SQLite AUTOINCREMENT); token families outlive their
account; revocations live in token families only (no revoked_tokens)

Revision ID: 0007_ids_never_reused
Revises: 0006_post_stats
Create Date: 2026-11-30

SQLite without AUTOINCREMENT hands the highest deleted id out again, and an id names the
principal a credential belongs to (docs/security.md#ids). SQLite cannot add AUTOINCREMENT to
a table, so each table is rebuilt by Alembic's batch mode (data kept); PostgreSQL's
sequences never reuse a value, so there only ``token_families`` changes: a deleted
account's families stay, revoked, with ``user_id`` NULL until they expire. Every JWT
check now reads its family, so the table of revoked access-token ids (each one's family
was revoked with it) has nothing left to say.
"""

import sqlalchemy as sa
from alembic import op

from microblog.data.models.stats import SQLITE_TRIGGERS

revision = "0007_ids_never_reused"
down_revision = "0006_post_stats"
branch_labels = None
depends_on = None

TABLES = ("users", "tokens", "posts", "tasks", "api_keys")
# Expression indexes are not reflected by SQLite batch mode: dropped and made again.
LOWER_INDEXES = {"uq_users_username_lower": "username", "uq_users_email_lower": "email"}
FAMILY_FK = "fk_token_families_user_id_users"


def _rebuild(autoincrement: bool) -> None:
    for name in LOWER_INDEXES:
        op.drop_index(name, table_name="users")
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER posts_count_{name}")
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    for name, column in LOWER_INDEXES.items():
        op.create_index(name, "users", [sa.text(f"lower({column})")], unique=True)
    for sql in SQLITE_TRIGGERS:
        op.execute(sql)


def _family_owner(nullable: bool, ondelete: str) -> None:
    with op.batch_alter_table("token_families") as batch_op:
        batch_op.drop_constraint(FAMILY_FK, type_="foreignkey")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=nullable)
        batch_op.create_foreign_key(FAMILY_FK, "users", ["user_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)
    _family_owner(nullable=True, ondelete="SET NULL")
    op.drop_table("revoked_tokens")


def downgrade() -> None:
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    op.execute(
        "DELETE FROM refresh_tokens WHERE family_id IN "
        "(SELECT id FROM token_families WHERE user_id IS NULL)"
    )
    op.execute("DELETE FROM token_families WHERE user_id IS NULL")
    _family_owner(nullable=False, ondelete="CASCADE")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
