"""Portals remember since when every entity of ours in their CRM has a row here.

An uninstall with ``data[CLEAN]=1`` deletes the portal's rows but the CRM keeps its leads and
deals; a portal row stored by a later install (or over a CRM another installation filled) must
look negotiations older than itself up by origin before creating them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hhsync.db.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portal") as batch:
        batch.add_column(
            sa.Column(
                "unrecorded_before", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True
            )
        )
    # A portal stored before this revision may be one installed again after its data was
    # deleted, its initial import still under way: its install instant is the safe value. For
    # the others it costs a lookup only before creating a negotiation older than their install
    # that they have not created yet (their initial import is done).
    op.execute("UPDATE portal SET unrecorded_before = installed_at")


def downgrade() -> None:
    with op.batch_alter_table("portal") as batch:
        batch.drop_column("unrecorded_before")
