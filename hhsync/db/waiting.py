"""What the app page's «Новые отклики» tab reads and asks, for one portal.

How many stored responses are not in the CRM yet, what hh.ru's counters said at the last read,
whether a pass holds the portal now, and «Проверить сейчас»: the portal made due at once. That
mark never starts a pass itself. The daemon's claim tick takes due portals under their lease
(:mod:`hhsync.db.leases`), so asking twice, or while a pass runs, cannot start a second one.
Every function takes the portal's id and touches no other portal's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import state
from hhsync.db.tables import Portal, PortalLease, PortalStatus, SyncStatus, Vacancy

CHECK_REQUESTED = "portal.check_requested"
"""The audit event of a «Проверить сейчас» that made the portal due."""


@dataclass(frozen=True)
class WaitingCounts:
    """Stored responses not in the CRM yet, by why."""

    pending: int
    """Never sent yet (new since the last pass, or the import is under way)."""
    in_flight: int
    """Sent, its answer not known yet (looked up before anything is sent again)."""
    failed: int
    """Refused or not prepared; retried later (the log tab says why)."""

    @property
    def total(self) -> int:
        """Everything not in the CRM yet."""
        return self.pending + self.in_flight + self.failed


@dataclass(frozen=True)
class HhCounters:
    """What hh.ru's vacancy counters said at the last read of the portal's open vacancies."""

    vacancies: int
    responses: int
    """``responses`` summed: responses on those vacancies, as hh.ru counts them."""
    invitations: int
    """``invitations`` summed: the employer's invitations on them."""
    unread: int
    """``unread_responses`` summed: responses nobody opened on hh.ru yet."""
    read_at: datetime | None
    """The newest read among those vacancies."""


async def waiting_counts(session: AsyncSession, portal_id: int) -> WaitingCounts:
    """The portal's stored negotiations not in the CRM, split by status."""
    counts = await state.count_by_status(session, portal_id)
    return WaitingCounts(
        pending=counts[SyncStatus.PENDING],
        in_flight=counts[SyncStatus.IN_FLIGHT],
        failed=counts[SyncStatus.FAILED],
    )


async def hh_counters(session: AsyncSession, portal_id: int) -> HhCounters | None:
    """hh.ru's stored counters of the portal's open vacancies (None before the first read)."""
    query = select(Vacancy).where(
        col(Vacancy.portal_id) == portal_id, col(Vacancy.archived).is_(False)
    )
    vacancies = (await session.exec(query)).all()
    if not vacancies:
        return None
    responses = invitations = unread = 0
    for vacancy in vacancies:
        responses += _counter(vacancy.counters, "responses")
        invitations += _counter(vacancy.counters, "invitations")
        unread += _counter(vacancy.counters, "unread_responses")
    return HhCounters(
        vacancies=len(vacancies),
        responses=responses,
        invitations=invitations,
        unread=unread,
        read_at=max(vacancy.updated_at for vacancy in vacancies),
    )


def _counter(counters: dict[str, Any] | None, name: str) -> int:
    value = (counters or {}).get(name)
    return value if isinstance(value, int) and value >= 0 else 0


async def pass_running(session: AsyncSession, portal_id: int, now: datetime) -> bool:
    """Whether a live lease holds the portal: a daemon's or an operator's pass runs it now."""
    return bool(await session.scalar(select(_live_lease(portal_id, now))))


def _live_lease(portal_id: int, now: datetime) -> Any:
    return exists().where(
        col(PortalLease.portal_id) == portal_id, col(PortalLease.expires_at) > now
    )


class CheckOutcome(StrEnum):
    """What «Проверить сейчас» did."""

    QUEUED = "queued"
    """The portal is due now: the daemon's next claim tick runs it."""
    ALREADY_QUEUED = "already_queued"
    """It was due already (asked before, or its pass is overdue): nothing changed."""
    RUNNING = "running"
    """A pass holds the portal now: nothing changed, what it finds is shown when it ends."""
    NOT_ACTIVE = "not_active"
    """The portal is paused or parked: no pass would run (its status reason says why)."""


async def request_pass_now(
    session: AsyncSession, portal_id: int, now: datetime, *, user_id: int | None = None
) -> CheckOutcome:
    """Make an active portal due at ``now`` unless a pass holds it or it is due already.

    One conditional UPDATE: the lease check and the mark are one statement, so a click racing a
    claim either marks the portal before the claim (its pass is the one asked for) or sees the
    lease (the pass runs already). A pass that ends releases the portal with a new
    ``next_pass_at``, which replaces any mark made meanwhile, so no second pass follows it.
    """
    marked = await session.exec(
        update(Portal)
        .where(
            col(Portal.id) == portal_id,
            col(Portal.status) == PortalStatus.ACTIVE,
            col(Portal.next_pass_at).is_not(None),
            col(Portal.next_pass_at) > now,
            ~_live_lease(portal_id, now),
        )
        .values(next_pass_at=now)
    )
    if marked.rowcount:
        await state.add_audit(
            session,
            portal_id=portal_id,
            event=CHECK_REQUESTED,
            now=now,
            detail={"user_id": user_id} if user_id is not None else {},
        )
        return CheckOutcome.QUEUED
    portal = await session.get(Portal, portal_id)
    if portal is None or portal.status != PortalStatus.ACTIVE:
        return CheckOutcome.NOT_ACTIVE
    if await pass_running(session, portal_id, now):
        return CheckOutcome.RUNNING
    return CheckOutcome.ALREADY_QUEUED


async def make_due(session: AsyncSession, portal_id: int, now: datetime) -> bool:
    """Bring an active portal's next pass forward to ``now`` (never later); True if it moved.

    What a retry does after marking its failures due. A pass running now keeps its lease and the
    portal it holds; the mark is then replaced when that pass ends (its failures wait for the
    ordinary next pass).
    """
    moved = await session.exec(
        update(Portal)
        .where(
            col(Portal.id) == portal_id,
            col(Portal.status) == PortalStatus.ACTIVE,
            col(Portal.next_pass_at) > now,
        )
        .values(next_pass_at=now)
    )
    return bool(moved.rowcount)
