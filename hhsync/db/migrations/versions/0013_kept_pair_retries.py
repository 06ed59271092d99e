"""An account parked by a refresh answered "token deactivated" tries its kept pair again.

hh.ru sometimes answers ``invalid_grant`` "token deactivated" to the refresh of a pair no password
change killed (hhru/api#869, #619), and nobody knows whether that pair works again later. Such an
account is parked as ``needs_reauth`` with its pair kept; ``hh_account.reauth_retry_at`` is when a
pass tries that pair once more (None: it is not tried again), ``reauth_retries`` how many tries
were made since it was parked. A refresh that then succeeds brings the account back by itself.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hh_account") as batch:
        batch.add_column(
            sa.Column("reauth_retries", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(
            sa.Column("reauth_retry_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("hh_account") as batch:
        batch.drop_column("reauth_retry_at")
        batch.drop_column("reauth_retries")
