"""An account remembers why its resume opens pause: the daily limit, or the manager's quota.

Only the instant was kept, so a later pass showed every waiting response as the daily limit even
when hh.ru had answered that the company's quota for the manager was spent. A pause stored before
this column existed reads as the daily limit, as it did.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hh_account") as batch:
        batch.add_column(sa.Column("contacts_paused_by", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hh_account") as batch:
        batch.drop_column("contacts_paused_by")
