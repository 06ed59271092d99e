"""Negotiations remember when their latest outcome was recorded, for the app page's log.

``updated_at`` moves on every read of hh.ru, so a log ordered by it reshuffles while a person
pages through it. ``outcome_at`` moves only when an outcome is recorded or a retry is asked for.
«Другие отклики» reads an applicant's negotiations by resume at click time, so that lookup gets
its index too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(
            sa.Column("outcome_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )
    # The best instants the rows kept: a synced row's sync, a failed row's last change (the log
    # showed that until now), and for a row pending or in flight again the sync it had before.
    op.execute(
        "UPDATE negotiation SET outcome_at = CASE"
        " WHEN sync_status = 'synced' THEN COALESCE(synced_at, updated_at)"
        " WHEN sync_status = 'failed' THEN updated_at"
        " ELSE synced_at END"
    )
    with op.batch_alter_table("negotiation") as batch:
        batch.create_index(
            "negotiation_outcome_idx", ["portal_id", "outcome_at", "id"], unique=False
        )
        batch.create_index("negotiation_resume_idx", ["portal_id", "hh_resume_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_index("negotiation_resume_idx")
        batch.drop_index("negotiation_outcome_idx")
        batch.drop_column("outcome_at")
