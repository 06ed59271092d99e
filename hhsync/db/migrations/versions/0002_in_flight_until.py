"""Negotiations in flight remember until when their request may still be running.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(
            sa.Column("in_flight_until", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_column("in_flight_until")
