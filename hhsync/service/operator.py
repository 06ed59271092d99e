"""What an operator changes by hand: pause or resume a portal, resync it, retry its failures.

Each function is one small transaction (or one pass) so the CLI stays a formatter. A forced
resync and a retry run the ordinary engine pass (``run_pass``) — there is no second code path that
writes to Bitrix24.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col

from hhsync.clock import SystemClock
from hhsync.config import Settings
from hhsync.db import leases, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Negotiation, Portal, PortalStatus, SyncStatus
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import PassReport, run_pass


class NoSuchPortal(LookupError):
    """The operator named a portal id that does not exist."""


class PortalBusy(RuntimeError):
    """A daemon holds the portal's lease: a second pass now would break one-owner-per-portal."""


async def set_paused(database: Database, portal_id: int, paused: bool, now: datetime) -> Portal:
    """Pause (no more passes) or resume a portal; resuming makes it due right away."""
    async with database.session() as session:
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


async def mark_failed_due(database: Database, portal_id: int, now: datetime) -> int:
    """Make every failed negotiation of the portal due for retry now; returns how many."""
    async with database.session() as session:
        if await portals.get_portal(session, portal_id) is None:
            raise NoSuchPortal(portal_id)
        result = await session.exec(
            update(Negotiation)
            .where(
                col(Negotiation.portal_id) == portal_id,
                col(Negotiation.sync_status) == SyncStatus.FAILED,
            )
            .values(next_retry_at=now, updated_at=now)
        )
        return int(result.rowcount or 0)


async def one_pass(
    settings: Settings,
    database: Database,
    cipher: TokenCipher,
    portal_id: int,
    *,
    force: bool,
    dry_run: bool = False,
    only_vacancies: list[str] | None = None,
) -> PassReport:
    """Run one pass now in this process (the CLI's resync and retry-failed)."""
    async with database.session() as session:
        if await portals.get_portal(session, portal_id) is None:
            raise NoSuchPortal(portal_id)
        now = SystemClock().now()
        holder = next(
            (x.owner for x in await leases.lease_holders(session, now) if x.portal_id == portal_id),
            None,
        )
    # Best effort, not a lease of our own (leases.py claims only due portals): a daemon that
    # claims the portal between this check and the pass could still overlap with it.
    if holder is not None and not dry_run:
        raise PortalBusy(f"portal {portal_id} is being synced by {holder}; try again shortly")
    ctx = SyncContext.create(settings, database, cipher, instance_id="cli")
    try:
        return await run_pass(
            ctx, portal_id, force=force, dry_run=dry_run, only_vacancies=only_vacancies
        )
    finally:
        await ctx.aclose()
