"""Which portal runs when: an APScheduler tick claims due portals and runs one pass per lease.

Two jobs on an ``AsyncIOScheduler`` (APScheduler 3), both ``max_instances=1`` and ``coalesce=True``
so a slow database never stacks ticks, with jitter so that instances started together do not hit
PostgreSQL in lock-step (Home Assistant's coordinator does the same):

* the *claim tick* leases at most as many due portals as there are free pass slots
  (``sync.max_concurrent_passes``) and starts each pass as a named task;
* the *heartbeat* beats this instance's :class:`~hhsync.service.lease_keeper.LeaseKeeper` every
  ``lease_ttl_s / 3``: leases are renewed, and a pass whose lease was lost (it expired, maybe to
  another instance) is cancelled before it writes more.

A finished pass records its verdict on the portal's health (``service.health``: one log line when
a portal starts failing, one when it recovers, none in between) and gives its portal back with
``next_pass_at = now + poll interval`` (the portal's own ``poll_interval_s`` or
``sync.poll_interval_s``, times the stretch every heartbeat measures when the fleet's hh.ru cost
is over this instance's budget, :mod:`hhsync.model.capacity`), or later when Bitrix24 refused
it until a person acts (:mod:`hhsync.sync.holds`: minutes, doubling while it lasts).
PostgreSQL is the coordination engine (ARCHITECTURE.md invariant 6); on SQLite
``hhsync.db.leases`` degrades to a single instance.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hhsync.db import health as stored_health
from hhsync.db import leases, portals, resume_copies, state
from hhsync.db.tables import PortalStatus, RunStatus
from hhsync.log import bound, get_logger
from hhsync.metrics import Metrics
from hhsync.model.capacity import Capacity
from hhsync.service import capacity as fleet_capacity
from hhsync.service.health import HealthRecorder
from hhsync.service.lease_keeper import LeaseKeeper
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import PassReport, run_pass
from hhsync.sync.holds import hold_delay_s
from hhsync.sync.options import PassOptions

EVENT_CLAIMED: Final = "scheduler.claimed"
EVENT_PASS_CRASHED: Final = "scheduler.pass_crashed"  # noqa: S105 - an event name
EVENT_RELEASE_FAILED: Final = "scheduler.release_failed"
EVENT_TICK_FAILED: Final = "scheduler.tick_failed"
EVENT_COPIES_SWEPT: Final = "scheduler.resume_copies_swept"
EVENT_STRETCHED: Final = "scheduler.intervals_stretched"
"""The fleet's hh.ru cost went over this instance's budget, or the stretch changed while over."""
EVENT_UNSTRETCHED: Final = "scheduler.intervals_as_set"

EVENT_STOP_STUCK: Final = "scheduler.stop_stuck"
EVENT_HELD: Final = "scheduler.portal_held"
"""A portal Bitrix24 refuses until a person acts is given back for longer than its interval."""
CANCEL_GRACE_S: Final = 5.0
"""How long cancelled passes get to record what they sent (TimeoutStopSec allows for it)."""

CLAIM_JOB: Final = "claim-due-portals"
HEARTBEAT_JOB: Final = "lease-heartbeat"
SWEEP_EVERY: Final = timedelta(hours=1)
"""How often a tick also deletes resume copies past ``sync.resume_copy_max_age_s`` everywhere."""
POLLED: Final = (PortalStatus.ACTIVE, PortalStatus.NEEDS_REAUTH)
"""Portals whose health is exported (paused and uninstalled ones are not polled: no health)."""

log = get_logger(__name__)


@dataclass(frozen=True)
class Hold:
    """A pass ended by a refusal that waits for a person: its hold, and the streak so far."""

    base_s: float
    failing_passes: int


def tick_interval_s(poll_interval_s: float) -> float:
    """How often to look for due portals: often enough that a portal waits at most a few seconds
    past its ``next_pass_at``, rarely enough that an idle fleet costs PostgreSQL nothing."""
    return max(0.5, min(5.0, poll_interval_s / 4))


@dataclass
class Slot:
    """A portal this instance holds a lease on, and the task running its pass."""

    portal_id: int
    task: asyncio.Task[None]


@dataclass
class PassTally:
    """What this scheduler did, for the daemon's status line and for tests."""

    passes: int = 0
    by_portal: dict[int, int] = field(default_factory=dict)
    last_reports: dict[int, PassReport] = field(default_factory=dict)


class PassScheduler:
    """Claims due portals, runs their passes within the concurrency bound, keeps the leases."""

    def __init__(
        self,
        ctx: SyncContext,
        metrics: Metrics,
        *,
        tick_s: float | None = None,
    ) -> None:
        self._ctx = ctx
        self._metrics = metrics
        sync = ctx.settings.sync
        self._max_passes = sync.max_concurrent_passes
        self._slots_free = asyncio.Semaphore(self._max_passes)
        self.keeper = LeaseKeeper(ctx.database, ctx.clock, ctx.instance_id, sync.lease_ttl_s)
        """Renews the leases of running passes and cancels a pass whose lease was lost."""
        self._tick_s = tick_s if tick_s is not None else tick_interval_s(sync.poll_interval_s)
        self._slots: dict[int, Slot] = {}
        self._claiming = False
        self._tick_lock = asyncio.Lock()
        self._refills: set[asyncio.Task[list[int]]] = set()
        self._releases: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        """Set by :meth:`stop_claiming`: running passes end at their next batch boundary."""
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._health = HealthRecorder(ctx.database, ctx.clock, metrics)
        self.tally = PassTally()
        self._swept_at: datetime | None = None
        self.capacity: Capacity | None = None
        """The fleet's hh.ru cost against this instance's budget, measured every heartbeat."""

    @property
    def owner(self) -> str:
        """The lease owner name: this process's instance id."""
        return self._ctx.instance_id

    @property
    def stretch(self) -> float:
        """Factor on every poll interval and watch period this instance applies now: the same
        for every portal, so none is starved when the fleet is over the hh.ru budget."""
        return 1.0 if self.capacity is None else self.capacity.stretch

    async def measure_capacity(self) -> Capacity | None:
        """Count the fleet again and take its stretch (kept as it was if the database fails)."""
        try:
            async with self._ctx.database.session() as session:
                measured = await fleet_capacity.measure(
                    session,
                    self._ctx.settings,
                    self._ctx.clock.now(),
                    self.owner,
                    stretch=self.stretch,
                )
        except Exception as exc:  # noqa: BLE001 - a stale stretch is better than no pass
            log.warning(EVENT_TICK_FAILED, error=str(exc))
            return self.capacity
        before = self.stretch
        self.capacity = measured
        if measured.over_budget and abs(measured.stretch - before) > 0.05 * before:
            log.warning(
                EVENT_STRETCHED, stretch=round(measured.stretch, 2), note=measured.sentence()
            )
        elif not measured.over_budget and before > 1.0:
            log.info(EVENT_UNSTRETCHED, note=measured.sentence())
        self._metrics.set_capacity(
            cost_per_min=measured.share_per_min,
            budget_per_min=measured.budget_per_min,
            stretch=measured.stretch,
            effective_interval_s=measured.effective_interval_s,
            capacity_portals=measured.capacity_at_60s,
        )
        return measured

    @property
    def running(self) -> list[int]:
        """Portals whose pass runs now."""
        return sorted(self._slots)

    def start(self) -> None:
        """Add the two jobs and start claiming (needs a running event loop)."""
        # APScheduler logs every run of every job at INFO: a line per tick is noise, not events.
        apscheduler_log = logging.getLogger("apscheduler")
        apscheduler_log.setLevel(max(logging.getLogger().level, logging.WARNING))
        common: dict[str, Any] = {"max_instances": 1, "coalesce": True, "trigger": "interval"}
        self._scheduler.add_job(
            self.tick,
            id=CLAIM_JOB,
            seconds=self._tick_s,
            jitter=self._tick_s / 5,
            misfire_grace_time=max(1, int(self._tick_s * 2)),
            next_run_time=self._ctx.clock.now(),
            **common,
        )
        heartbeat_s = self.keeper.beat_s
        self._scheduler.add_job(
            self.heartbeat,
            id=HEARTBEAT_JOB,
            seconds=heartbeat_s,
            jitter=heartbeat_s / 10,
            misfire_grace_time=max(1, int(heartbeat_s)),
            **common,
        )
        self._claiming = True
        self._scheduler.start()

    async def stop_claiming(self) -> None:
        """Take no new portals; running passes go on (and are still heartbeated).

        Returns after a tick already under way has finished, so every pass it started is known
        to :meth:`wait_passes` and no lease is taken after this.
        """
        self._claiming = False
        self._stopping.set()
        if self._scheduler.get_job(CLAIM_JOB) is not None:
            self._scheduler.remove_job(CLAIM_JOB)
        async with self._tick_lock:
            pass

    def shutdown(self) -> None:
        """Stop both jobs (the heartbeat too): call once the passes are over."""
        self._claiming = False
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def tick(self) -> list[int]:
        """Claim as many due portals as there are free slots and start their passes (and, now
        and then, sweep old resume copies)."""
        async with self._tick_lock:
            claimed = await self._claim()
        await self.sweep_resume_copies()
        return claimed

    async def sweep_resume_copies(self) -> None:
        """Delete resume copies older than their max age, at most once per :data:`SWEEP_EVERY`:
        a pass sweeps its own portal's, this those of portals no pass runs for."""
        now = self._ctx.clock.now()
        if self._swept_at is not None and now - self._swept_at < SWEEP_EVERY:
            return
        max_age = timedelta(seconds=self._ctx.settings.sync.resume_copy_max_age_s)
        try:
            async with self._ctx.database.session() as session:
                swept = await resume_copies.sweep_everywhere(session, now - max_age)
        except Exception as exc:  # noqa: BLE001 - a tick must survive a database hiccup
            log.warning(EVENT_TICK_FAILED, error=str(exc))
            return
        self._swept_at = now
        if swept:
            log.info(EVENT_COPIES_SWEPT, count=swept)

    async def _claim(self) -> list[int]:
        if not self._claiming:
            return []
        if self.capacity is None:
            await self.measure_capacity()  # the first tick: passes start with the right stretch
        free = self._max_passes - len(self._slots)
        if free <= 0:
            return []
        now = self._ctx.clock.now()
        try:
            async with self._ctx.database.session() as session:
                claimed = await leases.claim_due_portals(
                    session, self.owner, now, self.keeper.ttl_s, free
                )
        except Exception as exc:  # noqa: BLE001 - a tick must survive a database hiccup
            log.warning(EVENT_TICK_FAILED, error=str(exc))
            return []
        if claimed:
            log.info(EVENT_CLAIMED, portals=claimed, owner=self.owner)
        for portal_id in claimed:
            task = asyncio.create_task(self._pass(portal_id), name=f"pass:portal-{portal_id}")
            self._slots[portal_id] = Slot(portal_id, task)
            self.keeper.keep(portal_id, task)
        return claimed

    async def heartbeat(self) -> list[int]:
        """Renew the leases of running passes; cancel those whose lease was lost."""
        kept = await self.keeper.beat()
        await self.measure_capacity()
        await self._export_gauges()
        return kept

    async def wait_passes(self, timeout_s: float) -> None:
        """Let running passes finish for up to ``timeout_s``, then cancel the rest and wait."""
        tasks = [slot.task for slot in self._slots.values()]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            # Cancelled passes record their in-flight batch and close their run; bounded too, so
            # a stuck one cannot hold the stop past systemd's TimeoutStopSec.
            _, stuck = await asyncio.wait(pending, timeout=CANCEL_GRACE_S)
            if stuck:
                log.warning(EVENT_STOP_STUCK, passes=len(stuck), waited_s=CANCEL_GRACE_S)

    async def release_all(self) -> None:
        """Give back every lease still held (after cancelled passes), due again right away."""
        if self._releases:  # hand-backs of finished passes that a stop interrupted
            await asyncio.wait(set(self._releases))
        for portal_id in list(self._slots):
            del self._slots[portal_id]
            lost = self.keeper.is_lost(portal_id)
            self.keeper.forget(portal_id)
            if not lost:
                await self._release(portal_id, timedelta(0))

    async def _pass(self, portal_id: int) -> None:
        started = self._ctx.clock.monotonic()
        outcome = RunStatus.FAILED.value
        cancelled = False
        hold: Hold | None = None
        try:
            async with self._slots_free:
                with bound(portal=portal_id):
                    report = await run_pass(
                        self._ctx,
                        portal_id,
                        PassOptions(lease_owner=self.owner, watch_stretch=self.stretch),
                        stop=self._stopping,
                    )
                    transition = await self._health.passed(
                        report, lease_owner=self.owner, interrupted=self._stopping.is_set()
                    )
            outcome = report.status.value
            if report.hold_s is not None:
                streak = transition.after.failing_passes if transition is not None else 1
                hold = Hold(report.hold_s, streak)
            self._count(report)
        except asyncio.CancelledError:
            cancelled = True
            raise
        except Exception as exc:  # one portal's crash must not stop the daemon
            # The portal's health says it once per failing streak (with the traceback); a crash
            # it could not record is logged here, so that none goes unsaid.
            if await self._health.crashed(portal_id, exc, lease_owner=self.owner) is None:
                log.exception(EVENT_PASS_CRASHED, portal=portal_id, error=str(exc))
            else:
                log.debug(EVENT_PASS_CRASHED, portal=portal_id, error=str(exc))
        finally:
            slot = self._slots.get(portal_id)
            lost = self.keeper.is_lost(portal_id)
            if cancelled:
                # A lost lease frees its slot now; a stop's cancellation leaves the slot (and the
                # lease, still renewed) for release_all(), which gives the lease back.
                if slot is not None and lost:
                    del self._slots[portal_id]
                    self.keeper.forget(portal_id)
            else:
                self._metrics.pass_finished(outcome, self._ctx.clock.monotonic() - started)
                # The pass is over: its lease is handed back (or was lost), no longer renewed.
                self.keeper.forget(portal_id)
                try:
                    if slot is not None and not lost:
                        # The slot stays taken until the lease is back, so no new pass starts
                        # meanwhile; a stop arriving now must not leave the lease dangling, so
                        # the hand-back runs on and release_all() waits for it.
                        release = asyncio.create_task(self._release(portal_id, None, hold))
                        self._releases.add(release)
                        release.add_done_callback(self._releases.discard)
                        await asyncio.shield(release)
                finally:
                    self._slots.pop(portal_id, None)
                    self._refill()

    def _refill(self) -> None:
        """A slot came free: claim at once instead of idling until the next tick (a backlog of
        due portals would otherwise wait up to a whole tick per slot)."""
        if not self._claiming:
            return
        task = asyncio.create_task(self.tick(), name="claim:refill")
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    def _count(self, report: PassReport) -> None:
        self.tally.passes += 1
        self.tally.by_portal[report.portal_id] = self.tally.by_portal.get(report.portal_id, 0) + 1
        self.tally.last_reports[report.portal_id] = report
        synced = report.writes.created + report.writes.adopted
        if synced:
            self._metrics.response_synced(synced)
        for reason, count in report.writes.failed_by_reason.items():
            self._metrics.response_failed(reason, count)

    async def _release(
        self, portal_id: int, delay: timedelta | None, hold: Hold | None = None
    ) -> None:
        now = self._ctx.clock.now()
        try:
            async with self._ctx.database.session() as session:
                if delay is None:
                    default_s = self._ctx.settings.sync.poll_interval_s
                    poll_s = await portals.poll_interval_s(session, portal_id, default_s)
                    poll_s *= self.stretch  # the fleet is over the hh.ru budget: all alike
                    if hold is not None:
                        # Refused until a person acts: minutes apart, longer while it lasts.
                        poll_s = hold_delay_s(hold.base_s, hold.failing_passes, poll_s)
                        log.info(EVENT_HELD, portal=portal_id, next_pass_in_s=round(poll_s))
                    delay = timedelta(seconds=poll_s)
                await leases.release(session, self.owner, portal_id, now + delay, now)
        except Exception as exc:  # noqa: BLE001 - the lease then simply expires after its TTL
            log.warning(EVENT_RELEASE_FAILED, portal=portal_id, error=str(exc))

    async def _export_gauges(self) -> None:
        """Leases, pending responses and portal health from the database: the fleet's view, the
        same on every instance."""
        try:
            async with self._ctx.database.session() as session:
                live = await leases.lease_holders(session, self._ctx.clock.now())
                pending = await state.unfinished_by_portal(session)
                health = await stored_health.states_by_portal(session, POLLED)
        except Exception:  # noqa: BLE001 - metrics are best effort
            return
        self._metrics.set_pending_responses(pending)
        self._metrics.set_portal_health(health)
        by_owner: dict[str, int] = {}
        for lease in live:
            by_owner[lease.owner] = by_owner.get(lease.owner, 0) + 1
        self._metrics.set_lease_holders(by_owner)
