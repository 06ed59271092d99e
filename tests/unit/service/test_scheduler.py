"""The scheduler's bookkeeping without a live database.

A heartbeat that cannot reach the database still stops passes whose lease must have expired (the
database is a PostgreSQL address nobody listens on: the point is the failure path); a finished
pass's failures reach ``/metrics`` split by reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from hhsync.clock import FrozenClock
from hhsync.config import load_settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.metrics import Metrics
from hhsync.service.scheduler import PassScheduler
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import PassReport
from hhsync.testing.server import free_port


@dataclass
class Offline:
    scheduler: PassScheduler
    metrics: Metrics
    clock: FrozenClock
    ttl_s: float


@pytest.fixture
async def offline() -> AsyncIterator[Offline]:
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"
    key = TokenCipher.generate_key()
    settings = load_settings(
        environ={"HHSYNC_DATABASE__URL": dead, "HHSYNC_SECURITY__TOKEN_KEY": key}
    )
    database = Database(dead, pool_size=1)
    clock = FrozenClock()
    ctx = SyncContext.create(settings, database, TokenCipher(key), clock=clock)
    metrics = Metrics()
    try:
        yield Offline(PassScheduler(ctx, metrics), metrics, clock, settings.sync.lease_ttl_s)
    finally:
        await ctx.aclose()
        await database.dispose()


async def test_a_whole_ttl_without_a_renewal_cancels_the_pass_a_shorter_gap_does_not(
    offline: Offline,
) -> None:
    scheduler, clock = offline.scheduler, offline.clock
    stale = asyncio.create_task(asyncio.Event().wait())
    fresh = asyncio.create_task(asyncio.Event().wait())
    scheduler.keeper.keep(1, stale)
    clock.advance(offline.ttl_s * 2 / 3)
    scheduler.keeper.keep(2, fresh)
    clock.advance(offline.ttl_s / 3)  # stale: a whole TTL since its claim; fresh: a third
    try:
        kept = await scheduler.heartbeat()
        await asyncio.wait({stale}, timeout=5)
        assert kept == [2]
        assert stale.cancelled()
        assert scheduler.keeper.is_lost(1)
        assert not fresh.done()
        assert not scheduler.keeper.is_lost(2)
    finally:
        fresh.cancel()


def test_failures_of_a_finished_pass_reach_the_metrics_by_reason(offline: Offline) -> None:
    report = PassReport(portal_id=7)
    report.writes.created = 5
    report.writes.count_failure("crm_refused")
    report.writes.count_failure("crm_refused")
    report.writes.count_failure("hh_view_limit")
    offline.scheduler._count(report)
    exported = offline.metrics.render().decode()
    assert 'responses_failed_total{reason="crm_refused"} 2.0' in exported
    assert 'responses_failed_total{reason="hh_view_limit"} 1.0' in exported
    assert "responses_synced_total 5.0" in exported
