"""A pass outside the daemon (the CLI's resync and retry-failed) under a lease of its own.

Without one, an operator's pass and a daemon's could run one portal at once and race to create the
same lead (ARCHITECTURE.md invariant 6). So the CLI leases the portal exactly as an instance would,
renews the lease every ``lease_ttl_s / 3`` while its pass runs, cancels the pass the moment the
lease is lost, and hands the portal back with its next regular pass one interval away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Final, TypeVar

from hhsync.db import leases, portals
from hhsync.log import get_logger
from hhsync.sync.context import SyncContext

EVENT_LEASE_LOST: Final = "operator.lease_lost"
EVENT_HEARTBEAT_FAILED: Final = "operator.heartbeat_failed"

T = TypeVar("T")
log = get_logger(__name__)


class PortalBusy(RuntimeError):
    """Someone else (a daemon, another operator) holds the portal's lease right now."""


class LeaseLost(RuntimeError):
    """The lease expired under a running pass (a stalled database, a suspended process): the
    pass was stopped so that whoever takes the portal next is its only writer."""


async def run_leased(ctx: SyncContext, portal_id: int, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` while holding ``portal_id``'s lease as ``ctx.instance_id``.

    Raises:
        PortalBusy: naming the holder, when the portal is leased by someone else.
        LeaseLost: when a heartbeat found the lease gone; the pass was cancelled first.
    """
    owner, ttl_s = ctx.instance_id, ctx.settings.sync.lease_ttl_s
    async with ctx.database.session() as session:
        now = ctx.clock.now()
        if not await leases.claim_portal(session, owner, portal_id, now, ttl_s):
            holders = await leases.lease_holders(session, now)
            holder = next((x.owner for x in holders if x.portal_id == portal_id), "another owner")
            raise PortalBusy(f"portal {portal_id} is being synced by {holder}; try again shortly")
    task = asyncio.ensure_future(work())
    lost = False
    renewed_at = ctx.clock.monotonic()
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=ttl_s / 3)
            if task.done():
                break
            held = await _renew(ctx, owner, portal_id, ttl_s)
            if held:
                renewed_at = ctx.clock.monotonic()
            # Unanswered beats are tolerated only while the lease surely outlives the next one.
            if held or (held is None and ctx.clock.monotonic() - renewed_at < ttl_s * 2 / 3):
                continue
            lost = True
            log.warning(EVENT_LEASE_LOST, portal=portal_id, owner=owner)
            task.cancel()
            await asyncio.wait({task})
            raise LeaseLost(
                f"portal {portal_id}: the lease expired during the pass; it was stopped, and what"
                " it recorded so far is kept (the next pass carries on)"
            )
        return task.result()
    finally:
        if not task.done():  # we were cancelled (Ctrl-C): stop the pass, let it close its run
            task.cancel()
            await asyncio.shield(asyncio.wait({task}))
        if not lost:
            await asyncio.shield(_release(ctx, owner, portal_id))


async def _renew(ctx: SyncContext, owner: str, portal_id: int, ttl_s: float) -> bool | None:
    """Renew the lease: True while it is ours, False once lost, None if the database did not
    answer (the caller gives up once the lease could expire before its next beat)."""
    try:
        async with ctx.database.session() as session:
            kept = await leases.heartbeat(session, owner, [portal_id], ctx.clock.now(), ttl_s)
    except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the pass by itself
        log.warning(EVENT_HEARTBEAT_FAILED, portal=portal_id, error=str(exc))
        return None
    return portal_id in kept


async def _release(ctx: SyncContext, owner: str, portal_id: int) -> None:
    async with ctx.database.session() as session:
        now = ctx.clock.now()
        interval_s = await portals.poll_interval_s(
            session, portal_id, ctx.settings.sync.poll_interval_s
        )
        await leases.release(session, owner, portal_id, now + timedelta(seconds=interval_s), now)
