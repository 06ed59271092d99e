"""Over the hh.ru budget, the daemon stretches every portal's interval by one factor.

Real daemon (:class:`Runner`) on real PostgreSQL with both sandboxes over HTTP. The fleet's
recent passes are stored as costing 600 hh.ru requests each (what a portal with many change
reads costs); at a 1 s poll interval two such portals ask 72,000 requests a minute of a budget of
100/s x 0.95 x 60 = 5,700: every next pass is scheduled 72,000 / 5,700 intervals later, the same
for both portals. A second live instance takes half the fleet, so half the stretch.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Portal, RunStatus, SyncRun
from hhsync.service.runner import Runner
from hhsync.service.status import fleet_capacity, portal_views
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings
from tests.integration.service.test_portal_health import run_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RECENT_COST = 600
"""hh.ru requests of each stored earlier pass."""
PORTALS = 2


async def store_earlier_passes(database: Database, portal_id: int, instance: str) -> None:
    """Ten finished passes an hour ago, each of :data:`RECENT_COST` hh.ru requests."""
    async with database.session() as session:
        now = (await session.exec(select(Portal.installed_at))).first()
        assert now is not None
        for n in range(10):
            started = now - timedelta(hours=1, minutes=n)
            session.add(
                SyncRun(
                    portal_id=portal_id,
                    instance_id=instance,
                    status=RunStatus.OK,
                    started_at=started,
                    finished_at=started + timedelta(seconds=30),
                    hh_requests=RECENT_COST,
                )
            )


async def first_passes(database: Database, instance: str) -> dict[int, SyncRun]:
    async with database.session() as session:
        runs = (
            await session.exec(
                select(SyncRun).where(
                    col(SyncRun.instance_id) == instance, col(SyncRun.finished_at).is_not(None)
                )
            )
        ).all()
    return {run.portal_id: run for run in runs if run.hh_requests != RECENT_COST}


async def next_passes(database: Database) -> dict[int, Portal]:
    async with database.session() as session:
        return {p.id or 0: p for p in (await session.exec(select(Portal))).all()}


async def test_an_over_budget_fleet_has_every_interval_stretched_alike(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    database = Database(db_url, pool_size=8)
    settings = runner_settings(hh_url, db_url)  # 1 s interval, hh.ru at 100/s
    try:
        ids = [
            await add_portal(database, cipher, hh, bitrix, f"fleet{n}.bitrix24.ru")
            for n in range(PORTALS)
        ]
        for portal_id in ids:
            await store_earlier_passes(database, portal_id, "alpha")
        runner = Runner(
            settings, database, cipher, instance_id="alpha", serve_web=False, tick_s=0.2
        )

        async def both_rescheduled() -> bool:
            ran = await first_passes(database, "alpha")
            stored = await next_passes(database)
            return len(ran) == PORTALS and all(
                stored[p].next_pass_at is not None
                and stored[p].next_pass_at > (ran[p].finished_at or ran[p].started_at)
                for p in ran
            )

        await run_until(runner, both_rescheduled)

        expected = PORTALS * RECENT_COST * 60 / (100 * 0.95 * 60)
        measured = runner.scheduler.capacity
        assert measured is not None
        assert measured.stretch == pytest.approx(expected, rel=1e-6)
        assert runner.scheduler.stretch == measured.stretch
        ran, stored = await first_passes(database, "alpha"), await next_passes(database)
        for portal_id in ids:
            run, portal = ran[portal_id], stored[portal_id]
            assert run.finished_at is not None
            assert portal.next_pass_at is not None
            waited = (portal.next_pass_at - run.finished_at).total_seconds()
            # the 1 s interval stretched for both portals alike (released just after finishing)
            assert waited >= settings.sync.poll_interval_s * expected - 0.01
        gauge = runner.metrics.registry.get_sample_value("hhsync_interval_stretch")
        assert gauge == pytest.approx(expected, rel=1e-6)
        assert runner.metrics.registry.get_sample_value(
            "hhsync_effective_poll_interval_seconds"
        ) == pytest.approx(expected * settings.sync.poll_interval_s, rel=1e-6)

        # What `hhsync status` shows: the same stretch and each portal's effective interval.
        now = runner.ctx.clock.now()
        told = await fleet_capacity(database, settings, now)
        assert told.stretch == pytest.approx(expected, rel=1e-6)
        assert "add an instance with its own egress address for more" in told.sentence()
        views = await portal_views(database, now, capacity=told)
        assert [v.effective_interval_s for v in views] == pytest.approx([expected] * PORTALS)

        # A second instance that just ran a pass shares the fleet: half the stretch each.
        async with database.session() as session:
            session.add(
                SyncRun(
                    portal_id=ids[0],
                    instance_id="beta",
                    status=RunStatus.OK,
                    started_at=now,
                    finished_at=now,
                    hh_requests=RECENT_COST,
                )
            )
        shared = await runner.scheduler.measure_capacity()
        assert shared is not None
        assert shared.instances == 2
        assert shared.stretch == pytest.approx(expected / 2, rel=0.05)
    finally:
        await hh.aclose()
        await bitrix.aclose()
        await database.dispose()
