"""The fleet as stored on real PostgreSQL: each portal's vacancies, its recent regular passes'
hh.ru requests, and the live instances the capacity splits the fleet between."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hhsync.db import fleet
from hhsync.db.tables import RunStatus, SyncRun, Vacancy
from hhsync.testing.world import World

pytestmark = pytest.mark.postgres


async def test_recent_regular_passes_count_less_their_resume_opens_and_backfills_not(
    world: World,
) -> None:
    now = world.clock.now()
    runs = [
        # (minutes ago, hh.ru requests, entities created, forced, finished, instance)
        (1, 50, 5, False, True, "alpha"),  # 50 - 2 x 5 = 40 change reads
        (2, 5_000, 2_400, False, True, "alpha"),  # an import: a back-fill, left out
        (3, 900, 0, True, True, "operator"),  # an operator's forced resync: left out
        (4, 70, 0, False, False, "alpha"),  # still running: left out
        (90, 12, 0, False, True, "beta"),  # long ago: beta is no longer live
    ]
    async with world.ctx.database.session() as session:
        for ago, requests, created, forced, finished, instance in runs:
            started = now - timedelta(minutes=ago)
            session.add(
                SyncRun(
                    portal_id=world.portal_id,
                    instance_id=instance,
                    forced=forced,
                    status=RunStatus.OK if finished else RunStatus.RUNNING,
                    started_at=started,
                    finished_at=started + timedelta(seconds=20) if finished else None,
                    hh_requests=requests,
                    entities_created=created,
                )
            )
        for hh_id, archived in (("a1", False), ("a2", True)):
            session.add(
                Vacancy(
                    portal_id=world.portal_id,
                    hh_account_id=world.account_id,
                    hh_vacancy_id=hh_id,
                    archived=archived,
                    created_at=now,
                    updated_at=now,
                )
            )
    async with world.ctx.database.session() as session:
        [load] = await fleet.portal_loads(session, 60.0, max_creates=16)
        live = await fleet.live_instances(session, now - timedelta(minutes=30), "gamma")
        nobody = await fleet.live_instances(session, now + timedelta(minutes=1), None)
    assert load.portal_id == world.portal_id
    assert load.poll_interval_s == 60.0
    assert load.account_vacancies == (1,)  # the archived one is not listed every pass
    assert sorted(load.recent_pass_requests) == [12, 40]  # 12 - 0, and 50 - 2 x 5
    assert live == 2  # alpha ran lately (forced passes are no instance), and gamma asks
    assert nobody == 1  # an operator's command with no pass of its own still counts one
