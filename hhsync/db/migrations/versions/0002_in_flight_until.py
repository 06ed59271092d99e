"""Negotiations in flight remember until when their request may still be running.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:10:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Rows an older version marked in flight carry no hold: they get one long enough for any request
# that version could have sent (the portal's 60 s cut-off, its 30 s timeout) to have ended.
UPGRADE_HOLD = timedelta(minutes=10)


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(
            sa.Column("in_flight_until", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )
    when = hhsync.db.tables.UTCDateTime(timezone=True)
    negotiation = sa.table(
        "negotiation",
        sa.column("id", sa.Integer()),
        sa.column("sync_status", sa.String()),
        sa.column("updated_at", when),
        sa.column("in_flight_until", when),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(negotiation.c.id, negotiation.c.updated_at).where(
            negotiation.c.sync_status == "in_flight"
        )
    ).all()
    for row_id, updated_at in rows:
        connection.execute(
            negotiation.update()
            .where(negotiation.c.id == row_id)
            .values(in_flight_until=updated_at + UPGRADE_HOLD)
        )


def downgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_column("in_flight_until")
