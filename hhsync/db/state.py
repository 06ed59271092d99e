"""Stored sync state of a portal (vacancies, negotiations) and its audit trail, scoped by portal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import AuditEvent, Negotiation, SyncStatus, Vacancy


async def get_vacancy(session: AsyncSession, portal_id: int, hh_vacancy_id: str) -> Vacancy | None:
    """The stored vacancy of this portal with hh.ru id ``hh_vacancy_id``."""
    result = await session.exec(
        select(Vacancy).where(
            col(Vacancy.portal_id) == portal_id, col(Vacancy.hh_vacancy_id) == hh_vacancy_id
        )
    )
    return result.first()


async def list_vacancies(session: AsyncSession, portal_id: int) -> list[Vacancy]:
    """Every stored vacancy of the portal."""
    query = select(Vacancy).where(col(Vacancy.portal_id) == portal_id).order_by(col(Vacancy.id))
    return list((await session.exec(query)).all())


async def get_negotiation(
    session: AsyncSession, portal_id: int, hh_negotiation_id: str
) -> Negotiation | None:
    """The stored negotiation of this portal with hh.ru id ``hh_negotiation_id``."""
    result = await session.exec(
        select(Negotiation).where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.hh_negotiation_id) == hh_negotiation_id,
        )
    )
    return result.first()


async def list_negotiations(
    session: AsyncSession, portal_id: int, status: SyncStatus | None = None
) -> list[Negotiation]:
    """The portal's negotiations, optionally only one sync status, oldest first."""
    query = select(Negotiation).where(col(Negotiation.portal_id) == portal_id)
    if status is not None:
        query = query.where(col(Negotiation.sync_status) == status)
    return list((await session.exec(query.order_by(col(Negotiation.id)))).all())


async def count_by_status(session: AsyncSession, portal_id: int) -> dict[str, int]:
    """How many of the portal's negotiations are pending, in flight, synced or failed."""
    query = (
        select(Negotiation.sync_status, func.count())
        .where(col(Negotiation.portal_id) == portal_id)
        .group_by(col(Negotiation.sync_status))
    )
    counts = {status.value: 0 for status in SyncStatus}
    for status, count in (await session.exec(query)).all():
        counts[status] = count
    return counts


async def add_audit(
    session: AsyncSession,
    *,
    portal_id: int,
    event: str,
    now: datetime,
    negotiation_id: int | None = None,
    sync_run_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record what happened, in the caller's transaction (so it commits with the change)."""
    entry = AuditEvent(
        portal_id=portal_id,
        negotiation_id=negotiation_id,
        sync_run_id=sync_run_id,
        at=now,
        event=event,
        detail=detail or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def audit_trail(
    session: AsyncSession, portal_id: int, negotiation_id: int | None = None, limit: int = 100
) -> list[AuditEvent]:
    """The newest audit events of a portal (or one of its negotiations), newest first."""
    query = select(AuditEvent).where(col(AuditEvent.portal_id) == portal_id)
    if negotiation_id is not None:
        query = query.where(col(AuditEvent.negotiation_id) == negotiation_id)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    return list((await session.exec(query)).all())
