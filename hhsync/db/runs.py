"""Sync-run rows that no pass will ever close: their owner died or lost the portal."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import exists, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import PortalLease, RunStatus, SyncRun

ABANDONED_REASON = "the instance running this pass stopped before it finished (crash or kill)"


async def close_abandoned_runs(session: AsyncSession, now: datetime) -> int:
    """Close every run still marked running whose instance no longer holds its portal's lease.

    A pass holds its lease until its run row is closed, so a running row without a live lease of
    the same owner belongs to a process that was killed: `hhsync status` must not show it running
    forever. Returns how many rows were closed.
    """
    owner_still_holds = exists(
        select(col(PortalLease.portal_id)).where(
            col(PortalLease.portal_id) == col(SyncRun.portal_id),
            col(PortalLease.owner) == col(SyncRun.instance_id),
            col(PortalLease.expires_at) > now,
        )
    )
    statement = (
        update(SyncRun)
        .where(col(SyncRun.status) == RunStatus.RUNNING, ~owner_still_holds)
        .values(status=RunStatus.FAILED, finished_at=now, error=ABANDONED_REASON)
    )
    connection = await session.connection()
    result = await connection.execute(statement)
    return int(result.rowcount or 0)


async def close_earlier_runs(session: AsyncSession, portal_id: int, now: datetime) -> int:
    """Close the portal's runs still marked running, as a new pass of it starts.

    Passes of one portal never overlap (its lease), so any such row was left by a pass that
    died: its instance was killed, or a pass was run without a lease and crashed.
    """
    statement = (
        update(SyncRun)
        .where(col(SyncRun.portal_id) == portal_id, col(SyncRun.status) == RunStatus.RUNNING)
        .values(status=RunStatus.FAILED, finished_at=now, error=ABANDONED_REASON)
    )
    connection = await session.connection()
    result = await connection.execute(statement)
    return int(result.rowcount or 0)


SKIPPED_NOT_CONFIGURED: Final = "settings not saved yet"
"""What a pass that found no saved settings records as its reason (``sync_run.error``)."""
SKIPPED_LEADS_OFF: Final = (
    "the portal runs simple CRM (no leads): responses wait until deals are chosen in the settings"
)
"""What a pass records (``sync_run.error``) when the settings say leads but the portal has none
(``crm.settings.mode.get`` = 2): it wrote nothing and the responses stay pending."""


async def finished_since(session: AsyncSession, portal_id: int, since: datetime) -> bool:
    """Whether a pass of the portal that started at or after ``since`` has ended having seen the
    saved settings (the settings page's import is done once the first such pass ends). A pass
    that started just after the save's instant but read the settings before the save committed
    (or on an instance whose clock runs ahead) found none, and does not count."""
    query = (
        select(col(SyncRun.id))
        .where(
            col(SyncRun.portal_id) == portal_id,
            col(SyncRun.started_at) >= since,
            col(SyncRun.finished_at).is_not(None),
            col(SyncRun.error).is_distinct_from(SKIPPED_NOT_CONFIGURED),
            col(SyncRun.error).is_distinct_from(SKIPPED_LEADS_OFF),
        )
        .limit(1)
    )
    connection = await session.connection()
    return (await connection.execute(query)).first() is not None
