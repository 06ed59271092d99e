"""A lead linked while the portal's CRM mode was not confirmed: it may have become a deal.

A portal switched to simple CRM converts every new lead into a deal at once (b24restdocs
``tutorials/crm/how-to-add-crm-objects/how-to-add-objects-with-crm-mode.md``). hhsync trusts a
«classic» answer for a while, so a lead it links in that window may already be a deal.
``negotiation.crm_lead_unchecked`` marks each lead row linked since the mode was last asked;
``sync/lead_follow.py`` asks the mode, clears the mark on a classic portal and, on a simple one,
follows the lead to its deal. Rows stored before this revision were linked on portals that kept
their leads, so they start unmarked.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(
            sa.Column("crm_lead_unchecked", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_column("crm_lead_unchecked")
