"""A create keeps what it read of a resume, so a retry never opens the resume again.

hh.ru counts every open of a resume against the manager's daily views; the copy (encrypted, like
tokens) lives until the negotiation's entity and activity are in the CRM.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resume_copy",
        sa.Column("negotiation_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("resume_enc", sa.String(), nullable=False),
        sa.Column("pdf_enc", sa.String(), nullable=True),
        sa.Column("pdf_name", sa.String(length=255), nullable=True),
        sa.Column("pdf_settled", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["negotiation_id"], ["negotiation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("negotiation_id"),
    )
    with op.batch_alter_table("resume_copy") as batch:
        batch.create_index(batch.f("ix_resume_copy_portal_id"), ["portal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resume_copy") as batch:
        batch.drop_index(batch.f("ix_resume_copy_portal_id"))
    op.drop_table("resume_copy")
