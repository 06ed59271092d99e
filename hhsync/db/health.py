"""The ``portal_health`` rows: read one (locked while a pass's verdict is applied), save, list.

Time is always an argument: nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import HealthState, Portal, PortalHealth


async def get_health(
    session: AsyncSession, portal_id: int, *, lock: bool = False
) -> PortalHealth | None:
    """The portal's health row; ``lock`` holds it until the transaction ends (PostgreSQL)."""
    query = select(PortalHealth).where(col(PortalHealth.portal_id) == portal_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def save_health(
    session: AsyncSession,
    portal_id: int,
    *,
    state: str,
    since: datetime,
    failing_passes: int,
    reason: str | None,
    now: datetime,
) -> None:
    """Write the portal's health (insert on its first recorded pass)."""
    row = await get_health(session, portal_id, lock=True)
    if row is None:
        row = PortalHealth(portal_id=portal_id, since=since, updated_at=now)
    row.state = state
    row.since = since
    row.failing_passes = failing_passes
    row.reason = reason
    row.updated_at = now
    session.add(row)
    await session.flush()


async def states_by_portal(
    session: AsyncSession, statuses: Collection[str] | None = None
) -> dict[int, str]:
    """Each portal's health state (``unknown`` before its first recorded pass), optionally only
    of portals in ``statuses``."""
    query = select(Portal.id, PortalHealth.state).join(
        PortalHealth, col(PortalHealth.portal_id) == col(Portal.id), isouter=True
    )
    if statuses is not None:
        query = query.where(col(Portal.status).in_(list(statuses)))
    rows = (await session.exec(query)).all()
    return {
        portal_id: state or HealthState.UNKNOWN
        for portal_id, state in rows
        if portal_id is not None
    }
