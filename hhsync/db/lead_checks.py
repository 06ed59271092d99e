"""The lead rows linked since a portal last said it keeps leads (``crm_lead_unchecked``).

A portal switched to simple CRM converts each new lead into a deal at once; these are the rows
whose lead may have become one (``hhsync.sync.lead_follow`` asks the mode and follows them).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import state
from hhsync.db.tables import EntityType, Negotiation, SyncStatus


async def unchecked_leads(
    session: AsyncSession, portal_id: int, now: datetime
) -> list[Negotiation]:
    """This portal's rows linked to a lead not yet checked, oldest first.

    Not a row in flight whose request may still run at the portal (``in_flight_until`` after
    ``now``: a follow's write, or a write to its lead, may still land; a lookup now could miss
    it) nor one whose entity a person deleted in the CRM (final: nothing follows it). A row in
    flight past its hold is followed: whatever its write did is on the portal by then."""
    result = await session.exec(
        select(Negotiation)
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.crm_lead_unchecked),  # as the partial index says it (migration 0015)
            col(Negotiation.crm_entity_type) == EntityType.LEAD.value,
            col(Negotiation.crm_entity_id).is_not(None),
            col(Negotiation.sync_status) != SyncStatus.CRM_DELETED,
            or_(
                col(Negotiation.sync_status) != SyncStatus.IN_FLIGHT,
                col(Negotiation.in_flight_until).is_(None),
                col(Negotiation.in_flight_until) <= now,
            ),
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


async def give_up(
    session: AsyncSession,
    row: Negotiation,
    reason: str,
    *,
    now: datetime,
    run_id: int | None = None,
) -> None:
    """The row's lead shows no deal after long enough: it is followed no more, left as it is,
    and the audit says so."""
    await mark_checked(session, row.portal_id, [row.id] if row.id is not None else [])
    await state.add_audit(
        session,
        portal_id=row.portal_id,
        negotiation_id=row.id,
        sync_run_id=run_id,
        event="lead.follow_given_up",
        now=now,
        detail={"lead_id": row.crm_entity_id, "reason": reason},
    )
