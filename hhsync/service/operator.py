"""What an operator changes by hand: pause or resume a portal, resync it, retry its failures.

Each function is one small transaction (or one pass) so the CLI stays a formatter. A forced
resync and a retry run the ordinary engine pass (``run_pass``) under a lease of their own
(``exclusive.run_leased``) — there is no second code path that writes to Bitrix24. The retry's
failures are made due by :func:`hhsync.db.retries.retry_all_failed`, as the app page's are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from hhsync.config import Settings
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Portal, PortalStatus
from hhsync.errors import Fatal
from hhsync.service.exclusive import run_leased
from hhsync.service.health import HealthRecorder
from hhsync.sync.context import SyncContext, default_instance_id
from hhsync.sync.engine import PassReport, run_pass
from hhsync.sync.options import PassOptions
from hhsync.sync.progress import PassProgress


class NoSuchPortal(Fatal):
    """The operator named a portal id that does not exist (the message is the id)."""


class WrongStatus(Fatal):
    """The portal is not in a status the operator's command applies to (it says which); asking
    again will not help until its status changes."""


MIN_POLL_INTERVAL_S = 5.0
MAX_POLL_INTERVAL_S = 86_400.0


async def set_paused(database: Database, portal_id: int, paused: bool, now: datetime) -> Portal:
    """Pause an active portal (no more passes) or resume a paused one (due right away).

    Parked portals (needs re-authorisation, app removed) keep their status and reason: pausing
    would hide why they stopped, and resuming would poll a portal that cannot answer.
    """
    wanted_from = PortalStatus.ACTIVE if paused else PortalStatus.PAUSED
    async with database.session() as session:
        current = await portals.get_portal(session, portal_id)
        if current is None:
            raise NoSuchPortal(portal_id)
        if current.status != wanted_from:
            reason = f" ({current.status_reason})" if current.status_reason else ""
            raise WrongStatus(
                f"portal {portal_id} is {current.status}{reason}; only"
                f" {_article(wanted_from)} portal can be {'paused' if paused else 'resumed'}"
            )
        portal = await portals.set_portal_status(
            session,
            portal_id,
            PortalStatus.PAUSED if paused else PortalStatus.ACTIVE,
            "paused by an operator" if paused else None,
            now,
        )
        if portal is None:
            raise NoSuchPortal(portal_id)
        if not paused:
            portal.next_pass_at = None
            session.add(portal)
        return portal


def _article(status: str) -> str:
    return f"{'an' if status[0] in 'aeiou' else 'a'} {status}"


async def set_poll_interval(
    database: Database, portal_id: int, interval_s: float | None, now: datetime
) -> Portal:
    """Give a portal its own poll interval (``None``: back to ``sync.poll_interval_s``).

    The next pass moves up if the new interval brings it closer; it never moves later, so
    shortening takes effect at once and lengthening from the pass after.
    """
    if interval_s is not None and not MIN_POLL_INTERVAL_S <= interval_s <= MAX_POLL_INTERVAL_S:
        raise ValueError(
            f"the poll interval must be between {MIN_POLL_INTERVAL_S:g} and"
            f" {MAX_POLL_INTERVAL_S:g} seconds, got {interval_s:g}"
        )
    async with database.session() as session:
        portal = await portals.get_portal(session, portal_id)
        if portal is None:
            raise NoSuchPortal(portal_id)
        portal.poll_interval_s = interval_s
        if interval_s is not None and portal.next_pass_at is not None:
            portal.next_pass_at = min(portal.next_pass_at, now + timedelta(seconds=interval_s))
        portal.updated_at = now
        session.add(portal)
        return portal


async def one_pass(
    settings: Settings,
    database: Database,
    cipher: TokenCipher,
    portal_id: int,
    options: PassOptions,
    *,
    progress: PassProgress | None = None,
    before: Callable[[], Awaitable[object]] | None = None,
) -> PassReport:
    """Run one pass now in this process (the CLI's resync and retry-failed).

    A real pass leases the portal first (PortalBusy if a daemon holds it) and keeps the lease
    while it runs; ``before`` runs once the lease is ours. A dry run writes nothing, so it needs
    no lease and never makes a daemon wait. ``options.lease_owner`` is this process's own.
    """
    dry_run = options.dry_run
    async with database.session() as session:
        if await portals.get_portal(session, portal_id) is None:
            raise NoSuchPortal(portal_id)
    ctx = SyncContext.create(settings, database, cipher, instance_id=f"cli:{default_instance_id()}")

    async def work() -> PassReport:
        if before is not None:
            await before()
        owner = None if dry_run else ctx.instance_id
        leased = dataclasses.replace(options, lease_owner=owner)
        report = await run_pass(ctx, portal_id, leased, progress=progress)
        if not dry_run:  # the daemon's next pass must see what this one found
            recorder = HealthRecorder(ctx.database, ctx.clock, ctx.metrics)
            await recorder.passed(report, lease_owner=ctx.instance_id)
        return report

    try:
        if dry_run:
            return await work()
        return await run_leased(ctx, portal_id, work)
    finally:
        await ctx.aclose()
