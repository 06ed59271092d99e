"""The stored side of the vacancy list: which vacancies a portal follows, and marking one that
hh.ru just archived for a full read."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import Vacancy


async def archive_flags(
    session: AsyncSession, portal_id: int, hh_vacancy_ids: Collection[str]
) -> dict[str, bool]:
    """The stored ``archived`` flag of each of these vacancies the portal follows (stored ones)."""
    if not hh_vacancy_ids:
        return {}
    query = select(Vacancy.hh_vacancy_id, Vacancy.archived).where(
        col(Vacancy.portal_id) == portal_id, col(Vacancy.hh_vacancy_id).in_(list(hh_vacancy_ids))
    )
    return {hh_id: archived for hh_id, archived in (await session.exec(query)).all()}


async def mark_archived(
    session: AsyncSession, portal_id: int, hh_vacancy_ids: Collection[str], now: datetime
) -> None:
    """Store these vacancies as archived with no full read on record, in one go: whatever comes
    next, the vacancy is read in full once (what arrived between its last read and the archival)
    before its archived counters alone decide."""
    if not hh_vacancy_ids:
        return
    query = select(Vacancy).where(
        col(Vacancy.portal_id) == portal_id, col(Vacancy.hh_vacancy_id).in_(list(hh_vacancy_ids))
    )
    for vacancy in (await session.exec(query)).all():
        vacancy.archived = True
        vacancy.last_full_read_at = None
        vacancy.updated_at = now
        session.add(vacancy)
    await session.flush()


async def unlisted(
    session: AsyncSession, portal_id: int, hh_account_id: int, listed: Collection[str]
) -> list[tuple[str, str | None, datetime | None]]:
    """The account's stored vacancies in neither of this pass's lists: hh.ru id, manager id,
    when last found nowhere."""
    query = select(Vacancy.hh_vacancy_id, Vacancy.hh_manager_id, Vacancy.unlisted_at).where(
        col(Vacancy.portal_id) == portal_id, col(Vacancy.hh_account_id) == hh_account_id
    )
    if listed:
        query = query.where(col(Vacancy.hh_vacancy_id).not_in(list(listed)))
    rows = (await session.exec(query.order_by(col(Vacancy.hh_vacancy_id)))).all()
    return [(hh_id, manager, at) for hh_id, manager, at in rows]


async def mark_unlisted(
    session: AsyncSession, portal_id: int, hh_vacancy_ids: Collection[str], now: datetime
) -> None:
    """Record that these vacancies were looked for and found in no list: kept as they are (their
    negotiations and CRM entities stay), looked for again once a reconcile period."""
    if not hh_vacancy_ids:
        return
    query = select(Vacancy).where(
        col(Vacancy.portal_id) == portal_id, col(Vacancy.hh_vacancy_id).in_(list(hh_vacancy_ids))
    )
    for vacancy in (await session.exec(query)).all():
        vacancy.unlisted_at = now
        session.add(vacancy)
    await session.flush()
