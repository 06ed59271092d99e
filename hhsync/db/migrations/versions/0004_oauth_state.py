"""hh.ru logins from the app page: single-use OAuth state nonces, and a «Выйти» account status.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITH_LOGGED_OUT = "status IN ('active', 'paused', 'needs_reauth', 'logged_out')"
WITHOUT_LOGGED_OUT = "status IN ('active', 'paused', 'needs_reauth')"


def upgrade() -> None:
    when = hhsync.db.tables.UTCDateTime(timezone=True)
    op.create_table(
        "oauth_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.Column("used_at", when, nullable=True),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    with op.batch_alter_table("oauth_state") as batch:
        batch.create_index(batch.f("ix_oauth_state_portal_id"), ["portal_id"], unique=False)
        batch.create_index(batch.f("ix_oauth_state_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("hh_account") as batch:
        batch.drop_constraint("status_valid", type_="check")
        batch.create_check_constraint("status_valid", WITH_LOGGED_OUT)


def downgrade() -> None:
    # Logged-out accounts become paused ones: neither is polled, and the data stays.
    op.execute("UPDATE hh_account SET status = 'paused' WHERE status = 'logged_out'")
    with op.batch_alter_table("hh_account") as batch:
        batch.drop_constraint("status_valid", type_="check")
        batch.create_check_constraint("status_valid", WITHOUT_LOGGED_OUT)
    with op.batch_alter_table("oauth_state") as batch:
        batch.drop_index(batch.f("ix_oauth_state_expires_at"))
        batch.drop_index(batch.f("ix_oauth_state_portal_id"))
    op.drop_table("oauth_state")
