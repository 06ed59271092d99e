"""The fleet as stored: what each polled portal asks of hh.ru, and which instances are live.

The counts :mod:`hhsync.model.capacity` turns into a cost, a budget and a stretch. Time is always
an argument: nothing here reads the clock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import AccountStatus, HhAccount, Portal, PortalStatus, SyncRun, Vacancy
from hhsync.model.capacity import PortalLoad

RECENT_PASSES = 10
"""Finished passes per portal whose hh.ru requests measure its change reads."""


RESUME_REQUESTS_PER_CREATE = 2
"""A create opens the resume and downloads its PDF: new responses' cost, not change reads."""


async def portal_loads(
    session: AsyncSession, default_interval_s: float, *, max_creates: int
) -> list[PortalLoad]:
    """Each active portal's interval, its active accounts' active vacancies and what its recent
    regular passes read beyond their creates' resumes (passes that created more than
    ``max_creates`` were back-fills, served behind the regular work: left out)."""
    portals = (
        await session.exec(
            select(Portal.id, Portal.poll_interval_s)
            .where(col(Portal.status) == PortalStatus.ACTIVE.value)
            .order_by(col(Portal.id))
        )
    ).all()
    accounts = (
        await session.exec(
            select(HhAccount.portal_id, HhAccount.id).where(
                col(HhAccount.status) == AccountStatus.ACTIVE.value
            )
        )
    ).all()
    counted = (
        await session.exec(
            select(Vacancy.hh_account_id, func.count())
            .where(col(Vacancy.archived).is_(False))
            .group_by(col(Vacancy.hh_account_id))
        )
    ).all()
    vacancies: dict[int, int] = dict(counted)
    by_portal: dict[int, list[int]] = defaultdict(list)
    for portal_id, account_id in accounts:
        by_portal[portal_id].append(vacancies.get(account_id or 0, 0))
    recent = await _recent_requests(session, max_creates)
    return [
        PortalLoad(
            portal_id=portal_id,
            poll_interval_s=interval or default_interval_s,
            account_vacancies=tuple(by_portal.get(portal_id, ())),
            recent_pass_requests=tuple(recent.get(portal_id, ())),
        )
        for portal_id, interval in portals
        if portal_id is not None
    ]


async def _recent_requests(session: AsyncSession, max_creates: int) -> dict[int, list[int]]:
    """hh.ru requests of each portal's last :data:`RECENT_PASSES` finished regular passes, less
    their creates' resume opens."""
    ranked = (
        select(
            SyncRun.portal_id,
            SyncRun.hh_requests,
            SyncRun.entities_created,
            func.row_number()
            .over(partition_by=col(SyncRun.portal_id), order_by=col(SyncRun.started_at).desc())
            .label("rank"),
        )
        .where(
            col(SyncRun.finished_at).is_not(None),
            col(SyncRun.forced).is_(False),
            col(SyncRun.entities_created) <= max_creates,
        )
        .subquery()
    )
    rows = (
        await session.exec(
            select(ranked.c.portal_id, ranked.c.hh_requests, ranked.c.entities_created).where(
                ranked.c.rank <= RECENT_PASSES
            )
        )
    ).all()
    recent: dict[int, list[int]] = defaultdict(list)
    for portal_id, requests, created in rows:
        recent[portal_id].append(max(0, requests - RESUME_REQUESTS_PER_CREATE * created))
    return recent


async def live_instances(session: AsyncSession, since: datetime, own_id: str | None) -> int:
    """Instances that started a pass at or after ``since``, this one (``own_id``) included;
    at least one (an operator's command asks with none of its own).

    Every pass records its instance on its run: an instance that ran none in a few poll intervals
    is stopped (or runs nothing, so takes no share of the fleet). An operator's forced resync is
    no instance.
    """
    rows = (
        await session.exec(
            select(SyncRun.instance_id)
            .where(col(SyncRun.started_at) >= since, col(SyncRun.forced).is_(False))
            .distinct()
        )
    ).all()
    live = set(rows) | ({own_id} if own_id is not None else set())
    return max(1, len(live))
