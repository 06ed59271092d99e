"""What an operator changes by hand: pause or resume a portal, resync it, retry its failures.

Each function is one small transaction (or one pass) so the CLI stays a formatter. A forced
resync and a retry run the ordinary engine pass (``run_pass``) under a lease of their own
(``exclusive.run_leased``) — there is no second code path that writes to Bitrix24.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col

from hhsync.config import Settings
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Negotiation, Portal, PortalStatus, SyncStatus
from hhsync.service.exclusive import run_leased
from hhsync.sync.context import SyncContext, default_instance_id
from hhsync.sync.engine import PassReport, run_pass
from hhsync.sync.progress import PassProgress


class NoSuchPortal(LookupError):
    """The operator named a portal id that does not exist."""


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
    since: datetime | None = None,
    progress: PassProgress | None = None,
    before: Callable[[], Awaitable[object]] | None = None,
) -> PassReport:
    """Run one pass now in this process (the CLI's resync and retry-failed).

    A real pass leases the portal first (PortalBusy if a daemon holds it) and keeps the lease
    while it runs; ``before`` runs once the lease is ours. A dry run writes nothing, so it needs
    no lease and never makes a daemon wait.
    """
    async with database.session() as session:
        if await portals.get_portal(session, portal_id) is None:
            raise NoSuchPortal(portal_id)
    ctx = SyncContext.create(settings, database, cipher, instance_id=f"cli:{default_instance_id()}")

    async def work() -> PassReport:
        if before is not None:
            await before()
        return await run_pass(
            ctx,
            portal_id,
            force=force,
            dry_run=dry_run,
            only_vacancies=only_vacancies,
            since=since,
            progress=progress,
        )

    try:
        if dry_run:
            return await work()
        return await run_leased(ctx, portal_id, work)
    finally:
        await ctx.aclose()
