"""A negotiation whose CRM entity a person deleted by hand: ``sync_status = 'crm_deleted'``.

A write (a status update, a missing timeline activity) that meets the lead or deal gone from the
portal (Bitrix24 answers «Not found»; ``crm.lead.delete`` and ``crm.deal.delete`` remove the
entity with its timeline) records the negotiation as deleted in the CRM: it is never created again
nor followed, and the app page's log shows it as such. The status's CHECK constraint takes the
new value.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "sync_status IN ('pending', 'in_flight', 'synced', 'failed')"
_AFTER = "sync_status IN ('pending', 'in_flight', 'synced', 'failed', 'crm_deleted')"


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_constraint("sync_status_valid", type_="check")
        batch.create_check_constraint("sync_status_valid", _AFTER)


def downgrade() -> None:
    # A row deleted in the CRM goes back to synced: its entity ids are kept, and an older
    # hhsync follows it again (and records the portal's «Not found» as a failure).
    op.execute("UPDATE negotiation SET sync_status = 'synced' WHERE sync_status = 'crm_deleted'")
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_constraint("sync_status_valid", type_="check")
        batch.create_check_constraint("sync_status_valid", _BEFORE)
