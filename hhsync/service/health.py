"""Applies each pass's verdict to its portal's stored health and logs only the changes.

Runs at the end of every daemon and operator pass, while the pass still holds the portal's lease,
in one transaction that locks the portal's ``portal_health`` row: whichever instance ran the
previous pass, the next one sees its state, so a failing streak is announced once across the
fleet and across restarts. A pass cut short (a lost lease, a shutdown) says nothing about the
portal and is not recorded. ``hhsync status`` and the settings page read the same row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.clock import Clock
from hhsync.db import health as stored
from hhsync.db import leases, portals
from hhsync.db.session import Database
from hhsync.db.tables import HealthState, PortalHealth, RunStatus
from hhsync.log import get_logger
from hhsync.metrics import Metrics
from hhsync.sync.engine import PassReport
from hhsync.sync.health import (
    EVENT_RECOVERED,
    Health,
    PassResult,
    Transition,
    Verdict,
    judge,
    step,
)

EVENT_UNRECORDED: Final = "portal.health_unrecorded"
"""The verdict could not be stored (database trouble): said every time, since nothing is kept."""
REASON_MAX_CHARS: Final = 2000
"""As much of a failure's reason as is stored (a run's error is cut the same way)."""


def as_health(row: PortalHealth | None) -> Health:
    """The pure view of a stored row (unknown before the portal's first recorded pass)."""
    if row is None:
        return Health()
    return Health(HealthState(row.state), row.since, row.failing_passes, row.reason)


async def read_health(session: AsyncSession, portal_id: int) -> Health:
    """A portal's health as stored (for ``hhsync status`` and the settings page)."""
    return as_health(await stored.get_health(session, portal_id))


class HealthRecorder:
    """Records pass verdicts for one process (the daemon's scheduler or an operator's pass)."""

    def __init__(self, database: Database, clock: Clock, metrics: Metrics) -> None:
        self._database = database
        self._clock = clock
        self._metrics = metrics

    async def passed(
        self, report: PassReport, *, lease_owner: str | None, interrupted: bool = False
    ) -> Transition | None:
        """Record a pass that returned a report; None when it said nothing about the portal."""
        reason = "; ".join(report.errors) or f"pass {report.status.value}"
        return await self._apply(
            report.portal_id,
            report.status,
            ran=report.run_id is not None,
            reason=reason,
            lease_owner=lease_owner,
            interrupted=interrupted,
        )

    async def crashed(
        self, portal_id: int, error: Exception, *, lease_owner: str | None
    ) -> Transition | None:
        """Record a pass that raised: a failed pass, its traceback logged once per streak."""
        return await self._apply(
            portal_id,
            RunStatus.FAILED,
            ran=True,
            reason=f"pass crashed: {type(error).__name__}: {error}",
            lease_owner=lease_owner,
            error=error,
        )

    async def _apply(
        self,
        portal_id: int,
        status: RunStatus,
        *,
        ran: bool,
        reason: str,
        lease_owner: str | None,
        interrupted: bool = False,
        error: Exception | None = None,
    ) -> Transition | None:
        now = self._clock.now()
        try:
            async with self._database.session() as session:
                transition = await self._decide(
                    session, portal_id, status, ran, reason, lease_owner, interrupted, now
                )
        except Exception as exc:  # noqa: BLE001 - health is bookkeeping; the pass is over
            get_logger(__name__).warning(
                EVENT_UNRECORDED, portal=portal_id, reason=reason, error=str(exc)
            )
            return None
        if transition is not None:
            self._announce(portal_id, transition, now, error)
        return transition

    async def _decide(
        self,
        session: AsyncSession,
        portal_id: int,
        status: RunStatus,
        ran: bool,
        reason: str,
        lease_owner: str | None,
        interrupted: bool,
        now: datetime,
    ) -> Transition | None:
        # Only the lease holder speaks for the portal: a pass whose lease moved on is not news.
        if lease_owner is not None and not await leases.holds(session, lease_owner, portal_id, now):
            return None
        portal = await portals.get_portal(session, portal_id)
        verdict = judge(
            status,
            ran=ran,
            portal_status=portal.status if portal is not None else None,
            interrupted=interrupted,
        )
        if verdict is None or portal is None:
            return None
        if verdict is Verdict.PARKED:
            reason = portal.status_reason or reason
        before = as_health(await stored.get_health(session, portal_id, lock=True))
        transition = step(before, PassResult(verdict, now, reason[:REASON_MAX_CHARS]))
        after = transition.after
        if after != before and after.since is not None:
            await stored.save_health(
                session,
                portal_id,
                state=after.state,
                since=after.since,
                failing_passes=after.failing_passes,
                reason=after.reason,
                now=now,
            )
        return transition

    def _announce(
        self, portal_id: int, transition: Transition, now: datetime, error: Exception | None
    ) -> None:
        after = transition.after
        if after.state != transition.before.state:
            self._metrics.portal_health_changed(portal_id, after.state)
        if transition.event is None:
            return
        self._metrics.health_transition(after.state)
        fields = transition.fields(now)
        log = get_logger(__name__)
        if transition.event == EVENT_RECOVERED:
            log.info(transition.event, portal=portal_id, **fields)
        elif error is not None:
            log.warning(transition.event, portal=portal_id, exc_info=error, **fields)
        else:
            log.warning(transition.event, portal=portal_id, **fields)
