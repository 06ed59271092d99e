"""Negotiations remember how hh.ru's list names the applicant, for the app page's log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(sa.Column("applicant_name", sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_column("applicant_name")
