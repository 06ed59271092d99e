"""What ``hhsync status`` and ``hhsync portals list|show`` report: one overview per portal.

Read-only and scoped by portal like every other query; the CLI only formats what this returns
(as a table on a terminal, or JSON with ``--json``). Health (ok, failing, parked) is what the
latest passes recorded (``service.health``), the same on every instance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.clock import utc
from hhsync.config import Settings
from hhsync.db import accounts, leases, portals, state
from hhsync.db.gaps import VacancyGap, vacancy_gaps
from hhsync.db.session import Database
from hhsync.db.tables import (
    HealthState,
    Negotiation,
    Portal,
    PortalStatus,
    RunStatus,
    SyncRun,
    SyncStatus,
)
from hhsync.model.capacity import Capacity
from hhsync.service.capacity import measure
from hhsync.service.health import read_health

LAST_ERRORS = 3


@dataclass(frozen=True)
class AccountView:
    """An hh.ru account linked to the portal."""

    id: int
    manager: str
    employer: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class PortalView:
    """One portal as the operator sees it."""

    id: int
    domain: str
    status: str
    reason: str | None
    poll_interval_s: float | None
    next_pass_at: datetime | None
    leased_by: str | None
    accounts: list[AccountView]
    last_pass_at: datetime | None
    last_pass_status: str | None
    last_pass_error: str | None
    counts: dict[str, int]
    last_errors: list[str] = field(default_factory=list)
    lag_s: float | None = None
    """Age of the CRM's view of hh.ru: seconds since the newest completed pass began (what hh.ru
    showed then is in the CRM now); None before the first completed pass."""
    overdue_s: float = 0.0
    """Seconds an active, unleased portal has waited past its next pass (no instance took it)."""
    awaiting_portal: int = 0
    """Negotiations in flight whose request may still be running at the portal (a sender that
    died or gave up): nothing is sent for them before ``awaiting_portal_until``."""
    awaiting_portal_until: datetime | None = None
    health: str = HealthState.UNKNOWN
    """unknown (no pass recorded yet), ok, failing or parked (``hhsync.sync.health``)."""
    health_since: datetime | None = None
    """When the portal entered its health state."""
    failing_since: datetime | None = None
    """While failing: when the first failed pass of the streak ended."""
    failing_passes: int = 0
    """While failing: failed passes in a row."""
    health_reason: str | None = None
    """While failing or parked: why (the latest failed pass's errors, or the parking reason)."""
    gaps: list[VacancyGap] = field(default_factory=list)
    """Deep vacancies hh.ru will not list completely (``vacancy.missing_negotiations``)."""
    effective_interval_s: float | None = None
    """Seconds between its passes as the daemons run them: its interval times the stretch the
    fleet's hh.ru cost asks for (:mod:`hhsync.model.capacity`); None when not measured."""
    stretch: float = 1.0
    """The factor in ``effective_interval_s`` (1: the interval as set)."""

    def as_json(self) -> dict[str, Any]:
        """Plain data with ISO instants."""
        data = asdict(self)
        for key in (
            "next_pass_at",
            "last_pass_at",
            "awaiting_portal_until",
            "health_since",
            "failing_since",
        ):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


async def fleet_capacity(database: Database, settings: Settings, now: datetime) -> Capacity:
    """The fleet's hh.ru cost against one instance's budget, as the daemons measure it."""
    async with database.session() as session:
        first = await measure(session, settings, now, None)
        # The daemons count live instances over a window as long as their stretched interval.
        return await measure(session, settings, now, None, stretch=first.stretch)


async def portal_views(
    database: Database,
    now: datetime,
    portal_id: int | None = None,
    *,
    capacity: Capacity | None = None,
) -> list[PortalView]:
    """Every portal (or one), with accounts, last pass, counts and the newest errors (and its
    effective interval when the fleet's ``capacity`` is given)."""
    async with database.session() as session:
        if portal_id is None:
            chosen = await portals.list_portals(session)
        else:
            one = await portals.get_portal(session, portal_id)
            chosen = [one] if one is not None else []
        holders = {
            lease.portal_id: lease.owner for lease in await leases.lease_holders(session, now)
        }
        found = [
            await _view(session, portal, holders.get(portal.id or 0), now) for portal in chosen
        ]
    if capacity is None:
        return found
    return [
        replace(
            view,
            effective_interval_s=(view.poll_interval_s or capacity.base_interval_s)
            * capacity.stretch,
            stretch=capacity.stretch,
        )
        for view in found
    ]


async def _view(
    session: AsyncSession, portal: Portal, leased_by: str | None, now: datetime
) -> PortalView:
    if portal.id is None:
        raise ValueError("a stored portal has an id")
    linked = await accounts.list_accounts(session, portal.id)
    last = (
        await session.exec(
            select(SyncRun)
            .where(col(SyncRun.portal_id) == portal.id)
            .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
            .limit(1)
        )
    ).first()
    completed = (
        await session.exec(
            select(SyncRun.started_at)
            .where(
                col(SyncRun.portal_id) == portal.id,
                col(SyncRun.status).in_([RunStatus.OK, RunStatus.PARTIAL]),
                col(SyncRun.finished_at).is_not(None),
            )
            .order_by(col(SyncRun.started_at).desc())
            .limit(1)
        )
    ).first()
    overdue = (
        (now - portal.next_pass_at).total_seconds()
        if portal.status == PortalStatus.ACTIVE
        and leased_by is None
        and portal.next_pass_at is not None
        else 0.0
    )
    errors = (
        await session.exec(
            select(Negotiation.hh_negotiation_id, Negotiation.last_error)
            .where(
                col(Negotiation.portal_id) == portal.id,
                col(Negotiation.sync_status) == SyncStatus.FAILED,
            )
            .order_by(col(Negotiation.updated_at).desc())
            .limit(LAST_ERRORS)
        )
    ).all()
    awaiting, awaiting_until = (
        await session.exec(
            select(func.count(), func.max(Negotiation.in_flight_until)).where(
                col(Negotiation.portal_id) == portal.id,
                col(Negotiation.sync_status) == SyncStatus.IN_FLIGHT,
                col(Negotiation.in_flight_until) > now,
            )
        )
    ).one()
    health = await read_health(session, portal.id)
    return PortalView(
        id=portal.id,
        domain=portal.domain,
        status=portal.status,
        reason=portal.status_reason,
        poll_interval_s=portal.poll_interval_s,
        next_pass_at=portal.next_pass_at,
        leased_by=leased_by,
        accounts=[
            AccountView(
                id=a.id or 0,
                manager=a.manager_name or a.hh_manager_id,
                employer=a.employer_name or a.hh_employer_id,
                status=a.status,
                reason=a.status_reason,
            )
            for a in linked
        ],
        last_pass_at=(last.finished_at or last.started_at) if last else None,
        last_pass_status=last.status if last else None,
        last_pass_error=last.error if last else None,
        counts=await state.count_by_status(session, portal.id),
        last_errors=[f"{hh_id}: {error}" for hh_id, error in errors],
        lag_s=round((now - completed).total_seconds(), 1) if completed is not None else None,
        overdue_s=round(max(0.0, overdue), 1),
        awaiting_portal=int(awaiting),
        awaiting_portal_until=utc(awaiting_until) if awaiting_until is not None else None,
        health=health.state.value,
        health_since=health.since,
        failing_since=health.failing_since,
        failing_passes=health.failing_passes,
        health_reason=health.reason,
        gaps=await vacancy_gaps(session, portal.id),
    )
