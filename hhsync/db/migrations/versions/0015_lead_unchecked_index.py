"""The lead rows waiting for a CRM-mode check, found without reading the portal's other rows.

Every pass asks for its portal's rows marked ``crm_lead_unchecked`` (``db/lead_checks.py``), at
its start and after each account's writes. Marked rows are few and short-lived; without an index
each ask reads every negotiation the portal holds. A partial index holds only the marked rows.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 03:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKED = sa.text("crm_lead_unchecked")


def upgrade() -> None:
    op.create_index(
        "negotiation_lead_unchecked_idx",
        "negotiation",
        ["portal_id"],
        postgresql_where=MARKED,
        sqlite_where=MARKED,
    )


def downgrade() -> None:
    op.drop_index("negotiation_lead_unchecked_idx", table_name="negotiation")
