"""Keeps one owner's portal leases alive while their passes run (ARCHITECTURE.md invariant 6).

The daemon's scheduler and an operator's pass hold leases the same way, so they share this keeper
and its one rule:

* every lease is renewed every ``lease_ttl_s / 3`` (a *beat*);
* a lease the database says is gone (it expired, maybe to another instance) is lost at once;
* when the database does not answer, a lease is kept only while it surely outlives the next beat,
  so it is given up one beat before it would expire: another instance may take the portal then;
* a lost lease cancels the pass holding it, before it writes more, and is never handed back by
  this owner (it is someone else's, or free for the next claim).

The keeper only decides; when to beat is the holder's choice (an APScheduler job in the daemon,
:meth:`LeaseKeeper.keep_while` for a single operator's pass).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Final

from hhsync.clock import Clock
from hhsync.db import leases
from hhsync.db.session import Database
from hhsync.log import get_logger

EVENT_LEASE_LOST: Final = "lease.lost"
EVENT_HEARTBEAT_FAILED: Final = "lease.heartbeat_failed"

log = get_logger(__name__)


def outlives_next_beat(renewed_at_s: float, now_s: float, ttl_s: float, beat_s: float) -> bool:
    """Whether a lease last renewed at ``renewed_at_s`` is still live at the next beat (monotonic
    seconds): the tolerance for a heartbeat the database did not answer."""
    return now_s - renewed_at_s < ttl_s - beat_s


@dataclass
class _Held:
    task: asyncio.Future[Any]
    renewed_at_s: float
    lost: bool = False


class LeaseKeeper:
    """The leases ``owner`` holds and the passes that run under them."""

    def __init__(self, database: Database, clock: Clock, owner: str, ttl_s: float) -> None:
        if ttl_s <= 0:
            raise ValueError(f"a lease needs a positive TTL, got {ttl_s} s (sync.lease_ttl_s)")
        self._database = database
        self._clock = clock
        self.owner = owner
        self.ttl_s = ttl_s
        self.beat_s = ttl_s / 3
        """How often leases are renewed: a third of the TTL leaves two beats of slack."""
        self._held: dict[int, _Held] = {}

    @property
    def kept(self) -> list[int]:
        """Portals whose lease is renewed at each beat (held and not lost)."""
        return sorted(p for p, held in self._held.items() if not held.lost)

    def keep(self, portal_id: int, task: asyncio.Future[Any]) -> None:
        """Renew the lease just claimed on ``portal_id``; ``task`` is cancelled if it is lost."""
        self._held[portal_id] = _Held(task, self._clock.monotonic())

    def forget(self, portal_id: int) -> None:
        """Stop renewing ``portal_id``'s lease (its pass is over; the holder hands it back)."""
        self._held.pop(portal_id, None)

    def is_lost(self, portal_id: int) -> bool:
        """Whether the lease on ``portal_id`` was lost while kept (until it is forgotten)."""
        held = self._held.get(portal_id)
        return held is not None and held.lost

    async def beat(self) -> list[int]:
        """Renew every kept lease once; cancel the passes whose lease was lost.

        Returns the portals still held. A database error does not end anything by itself: only
        leases that might expire before the next beat are given up.
        """
        beating = {p: held for p, held in self._held.items() if not held.lost}
        if not beating:
            return []
        now, now_s = self._clock.now(), self._clock.monotonic()
        try:
            async with self._database.session() as session:
                confirmed = set(
                    await leases.heartbeat(session, self.owner, list(beating), now, self.ttl_s)
                )
        except Exception as exc:  # noqa: BLE001 - the next beat retries; the TTL has slack
            log.warning(
                EVENT_HEARTBEAT_FAILED, owner=self.owner, portals=sorted(beating), error=str(exc)
            )
            confirmed = set()
            still = {
                p
                for p, held in beating.items()
                if outlives_next_beat(held.renewed_at_s, now_s, self.ttl_s, self.beat_s)
            }
        else:
            still = confirmed
        for portal_id, held in beating.items():
            if self._held.get(portal_id) is not held:
                continue  # forgotten (its pass ended) while the database answered
            if portal_id in confirmed:
                held.renewed_at_s = now_s
            elif portal_id not in still:
                self._lose(portal_id, held)
        return sorted(p for p in still if self._held.get(p) is beating[p])

    async def keep_while(self, task: asyncio.Future[Any]) -> None:
        """Beat every :attr:`beat_s` until ``task`` is done or its lease was lost (the keeper
        has cancelled it then; the caller waits for it to finish)."""
        while not task.done():
            await asyncio.wait({task}, timeout=self.beat_s)
            if task.done():
                return
            await self.beat()
            if any(held.task is task and held.lost for held in self._held.values()):
                return

    def _lose(self, portal_id: int, held: _Held) -> None:
        held.lost = True
        log.warning(EVENT_LEASE_LOST, portal=portal_id, owner=self.owner)
        if not held.task.done():
            held.task.cancel()
