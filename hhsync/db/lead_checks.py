"""The lead rows linked since a portal last said it keeps leads (``crm_lead_unchecked``).

A portal switched to simple CRM converts each new lead into a deal at once; these are the rows
whose lead may have become one (``hhsync.sync.lead_follow`` asks the mode and follows them).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import EntityType, Negotiation, SyncStatus


async def unchecked_leads(session: AsyncSession, portal_id: int) -> list[Negotiation]:
    """This portal's rows linked to a lead not yet checked, oldest first.

    Not a row in flight (a write to its lead may still land: it is followed once its outcome is
    recorded) nor one whose entity a person deleted in the CRM (final: nothing follows it)."""
    result = await session.exec(
        select(Negotiation)
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.crm_lead_unchecked).is_(True),
            col(Negotiation.crm_entity_type) == EntityType.LEAD.value,
            col(Negotiation.crm_entity_id).is_not(None),
            col(Negotiation.sync_status).not_in([SyncStatus.IN_FLIGHT, SyncStatus.CRM_DELETED]),
        )
        .order_by(col(Negotiation.id))
    )
    return list(result.all())


async def mark_checked(session: AsyncSession, portal_id: int, row_ids: Collection[int]) -> None:
    """These rows' leads are known to be leads still (or followed)."""
    if not row_ids:
        return
    await session.exec(
        update(Negotiation)
        .where(col(Negotiation.portal_id) == portal_id, col(Negotiation.id).in_(list(row_ids)))
        .values(crm_lead_unchecked=False)
    )
