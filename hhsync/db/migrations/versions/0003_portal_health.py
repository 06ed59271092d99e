"""Portal health: each portal's ok / failing / parked state, kept across passes and instances.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_health",
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("since", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failing_passes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('unknown', 'ok', 'failing', 'parked')", name="state_valid"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("portal_id"),
    )


def downgrade() -> None:
    op.drop_table("portal_health")
