"""The fleet as stored: what each polled portal asks of hh.ru, and which instances are live.

The counts :mod:`hhsync.model.capacity` turns into a cost, a budget and a stretch. Read every
heartbeat, so each query stays a few rows per portal however long ``sync_run`` grows. Time is
always an argument: nothing here reads the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, bindparam, func, text
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import sql
from hhsync.db.tables import (
    AccountStatus,
    HhAccount,
    Portal,
    PortalStatus,
    SyncRun,
    UTCDateTime,
    Vacancy,
)
from hhsync.model.capacity import PortalLoad

RECENT_PASSES = 10
"""Passes per portal whose hh.ru requests measure its change reads."""
RESUME_REQUESTS_PER_CREATE = 2
"""A create opens the resume and downloads its PDF: new responses' cost, not change reads."""


@dataclass(frozen=True)
class Fleet:
    """The active portals' loads and the instances that ran their passes lately."""

    loads: list[PortalLoad]
    instances: int


@dataclass(frozen=True)
class _Run:
    portal_id: int
    instance_id: str
    started_at: datetime
    finished: bool
    forced: bool
    hh_requests: int
    entities_created: int


async def read_fleet(
    session: AsyncSession,
    default_interval_s: float,
    *,
    max_creates: int,
    live_since: datetime,
    own_id: str | None,
) -> Fleet:
    """Each active portal's interval, its active accounts' active vacancies and what its recent
    regular passes read beyond their creates' resumes (passes that created more than
    ``max_creates`` were back-fills, served behind the regular work: left out); and how many
    instances started a pass at or after ``live_since``, this one (``own_id``) included, at least
    one (an operator's command asks with none of its own; a forced resync is no instance)."""
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
    runs = await _last_runs(session)
    recent: dict[int, list[int]] = defaultdict(list)
    for run in runs:
        if run.finished and not run.forced and run.entities_created <= max_creates:
            spent = run.hh_requests - RESUME_REQUESTS_PER_CREATE * run.entities_created
            recent[run.portal_id].append(max(0, spent))
    live = {r.instance_id for r in runs if not r.forced and r.started_at >= live_since}
    if own_id is not None:
        live.add(own_id)
    loads = [
        PortalLoad(
            portal_id=portal_id,
            poll_interval_s=interval or default_interval_s,
            account_vacancies=tuple(by_portal.get(portal_id, ())),
            recent_pass_requests=tuple(recent.get(portal_id, ())),
        )
        for portal_id, interval in portals
        if portal_id is not None
    ]
    return Fleet(loads, max(1, len(live)))


async def _last_runs(session: AsyncSession) -> Sequence[_Run]:
    """The last :data:`RECENT_PASSES` runs of every active portal."""
    params = {"limit": RECENT_PASSES, "active_status": PortalStatus.ACTIVE.value}
    if session.get_bind().dialect.name == "postgresql":
        statement = (
            text(sql.LAST_RUNS_OF_ACTIVE_PORTALS)
            .bindparams(bindparam("limit", type_=Integer()))
            .columns(
                portal_id=Integer(),
                instance_id=String(),
                started_at=UTCDateTime(),
                finished_at=UTCDateTime(),
                forced=Boolean(),
                hh_requests=Integer(),
                entities_created=Integer(),
            )
        )
        rows = (await (await session.connection()).execute(statement, params)).all()
    else:  # SQLite, one small instance: a window function over its few runs
        rank = func.row_number().over(
            partition_by=col(SyncRun.portal_id), order_by=col(SyncRun.started_at).desc()
        )
        columns: list[Any] = [
            col(SyncRun.portal_id),
            col(SyncRun.instance_id),
            col(SyncRun.started_at),
            col(SyncRun.finished_at),
            col(SyncRun.forced),
            col(SyncRun.hh_requests),
            col(SyncRun.entities_created),
            rank.label("rank"),
        ]
        ranked = (
            sa_select(*columns)
            .join(Portal, col(Portal.id) == col(SyncRun.portal_id))
            .where(col(Portal.status) == PortalStatus.ACTIVE.value)
            .subquery()
        )
        query = sa_select(ranked).where(ranked.c.rank <= RECENT_PASSES)
        rows = (await (await session.connection()).execute(query)).all()
    return [
        _Run(
            portal_id=row.portal_id,
            instance_id=row.instance_id,
            started_at=row.started_at,
            finished=row.finished_at is not None,
            forced=bool(row.forced),
            hh_requests=row.hh_requests,
            entities_created=row.entities_created,
        )
        for row in rows
    ]
