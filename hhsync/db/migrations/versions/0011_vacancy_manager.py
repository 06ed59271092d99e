"""Vacancy manager: whose archive to ask for a followed vacancy gone from both lists.

hh.ru's archived list shows the caller's own vacancies unless ``manager_id`` names another, while
the active list is read with ``all_accessible``; a colleague's vacancy followed while active is in
neither once archived. ``vacancy.hh_manager_id`` is the manager the active list last showed for it
(hh.ru's archived items carry none), so a pass asks that manager's archive, one request per manager.
``vacancy.unlisted_at`` is when a pass last looked for a followed vacancy and found it nowhere
(deleted or hidden on hh.ru, or its manager's archive refused): kept, logged once, looked for
again once a reconcile period.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vacancy") as batch:
        batch.add_column(sa.Column("hh_manager_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("unlisted_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("vacancy") as batch:
        batch.drop_column("unlisted_at")
        batch.drop_column("hh_manager_id")
