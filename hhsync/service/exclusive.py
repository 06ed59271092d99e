"""A pass outside the daemon (the CLI's resync and retry-failed) under a lease of its own.

Without one, an operator's pass and a daemon's could run one portal at once and race to create the
same lead (ARCHITECTURE.md invariant 6). So the CLI leases the portal exactly as an instance
would, keeps the lease with the daemon's own :class:`~hhsync.service.lease_keeper.LeaseKeeper`
while its pass runs (the pass is cancelled the moment the lease is lost), and hands the portal back
with its next regular pass one interval away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from hhsync.db import leases, portals
from hhsync.errors import Retriable
from hhsync.service.lease_keeper import LeaseKeeper
from hhsync.sync.context import SyncContext

T = TypeVar("T")


class PortalBusy(Retriable):
    """Someone else (a daemon, another operator) holds the portal's lease right now.

    ``retry_after_s`` is how long the holder's lease runs unless renewed: the portal is free by
    then if the holder stopped, and sooner if its pass ends.
    """


async def run_leased(ctx: SyncContext, portal_id: int, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` while holding ``portal_id``'s lease as ``ctx.instance_id``.

    Raises:
        PortalBusy: naming the holder, when the portal is leased by someone else.
        LeaseLost: when a heartbeat found the lease gone; the pass was cancelled first.
    """
    owner = ctx.instance_id
    keeper = LeaseKeeper(ctx.database, ctx.clock, owner, ctx.settings.sync.lease_ttl_s)
    async with ctx.database.session() as session:
        now = ctx.clock.now()
        if not await leases.claim_portal(session, owner, portal_id, now, keeper.ttl_s):
            holders = await leases.lease_holders(session, now)
            lease = next((x for x in holders if x.portal_id == portal_id), None)
            holder = lease.owner if lease is not None else "another owner"
            raise PortalBusy(
                f"portal {portal_id} is being synced by {holder}; try again shortly",
                retry_after_s=(lease.expires_at - now).total_seconds() if lease else None,
            )
    task = asyncio.ensure_future(work())
    keeper.keep(portal_id, task)
    try:
        await keeper.keep_while(task)
        if keeper.is_lost(portal_id):
            await asyncio.wait({task})
            raise leases.LeaseLost(
                f"portal {portal_id}: the lease expired during the pass; it was stopped, and what"
                " it recorded so far is kept (the next pass carries on)"
            )
        return task.result()
    finally:
        if not task.done():  # we were cancelled (Ctrl-C): stop the pass, let it close its run
            task.cancel()
            await asyncio.shield(asyncio.wait({task}))
        if not keeper.is_lost(portal_id):
            await asyncio.shield(_release(ctx, owner, portal_id))


async def _release(ctx: SyncContext, owner: str, portal_id: int) -> None:
    async with ctx.database.session() as session:
        now = ctx.clock.now()
        interval_s = await portals.poll_interval_s(
            session, portal_id, ctx.settings.sync.poll_interval_s
        )
        await leases.release(session, owner, portal_id, now + timedelta(seconds=interval_s), now)
