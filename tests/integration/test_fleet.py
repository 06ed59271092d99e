"""The fleet as stored, on real PostgreSQL (the LATERAL read of each portal's last passes) and
on the embedded SQLite database (a window function): each portal's vacancies, its recent
regular passes' hh.ru requests, and the live instances the capacity splits the fleet between."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from hhsync.db import fleet
from hhsync.db.crypto import TokenCipher
from hhsync.db.migrate import upgrade
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount, Portal, PortalStatus, RunStatus, SyncRun, Vacancy
from tests.integration.test_leases import NOW, make_portals

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgresql", "sqlite"])
async def either(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str
) -> AsyncIterator[Database]:
    """The test's PostgreSQL database, or an embedded SQLite one at schema head."""
    if request.param == "postgresql":
        database = Database(db_url, pool_size=2)
    else:
        path = tmp_path / "hhsync.sqlite3"
        upgrade(f"sqlite:///{path}")
        database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield database
    finally:
        await database.dispose()


async def seed(database: Database, cipher: TokenCipher) -> tuple[int, int, int]:
    """Two active portals and a paused one; the first with an account and two vacancies."""
    first, second, paused = await make_portals(database, cipher, 3)
    async with database.session() as session:
        account = HhAccount(
            portal_id=first,
            hh_employer_id="1455",
            hh_manager_id="7",
            access_token_enc=cipher.encrypt("a"),
            refresh_token_enc=cipher.encrypt("r"),
            access_expires_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(account)
        await session.flush()
        assert account.id is not None
        for hh_id, archived in (("a1", False), ("a2", True)):
            session.add(
                Vacancy(
                    portal_id=first,
                    hh_account_id=account.id,
                    hh_vacancy_id=hh_id,
                    archived=archived,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        runs = [
            # (portal, minutes ago, hh.ru requests, entities created, forced, finished, instance)
            (first, 1, 50, 5, False, True, "alpha"),  # 50 - 2 x 5 = 40 change reads
            (first, 2, 5_000, 2_400, False, True, "alpha"),  # an import: a back-fill, left out
            (first, 3, 900, 0, True, True, "operator"),  # a forced resync: left out
            (first, 4, 70, 0, False, False, "alpha"),  # still running: left out
            (first, 90, 12, 0, False, True, "beta"),  # long ago: beta is no longer live
            (paused, 1, 999, 0, False, True, "delta"),  # a paused portal is not polled
        ]
        # The second portal's last passes push an older one out of the last RECENT_PASSES.
        runs += [(second, n, 7, 0, False, True, "alpha") for n in range(fleet.RECENT_PASSES)]
        runs += [(second, 50, 10_000, 0, False, True, "alpha")]
        for portal_id, ago, requests, created, forced, finished, instance in runs:
            started = NOW - timedelta(minutes=ago)
            session.add(
                SyncRun(
                    portal_id=portal_id,
                    instance_id=instance,
                    forced=forced,
                    status=RunStatus.OK if finished else RunStatus.RUNNING,
                    started_at=started,
                    finished_at=started + timedelta(seconds=20) if finished else None,
                    hh_requests=requests,
                    entities_created=created,
                )
            )
    async with database.session() as session:
        row = await session.get(Portal, paused)
        assert row is not None
        row.status = PortalStatus.PAUSED
        row.poll_interval_s = 30.0
        session.add(row)
    return first, second, paused


async def test_recent_regular_passes_count_less_their_resume_opens_and_backfills_not(
    either: Database, cipher: TokenCipher
) -> None:
    first, second, _ = await seed(either, cipher)
    async with either.session() as session:
        found = await fleet.read_fleet(
            session, 60.0, max_creates=16, live_since=NOW - timedelta(minutes=30), own_id="gamma"
        )
        nobody = await fleet.read_fleet(
            session, 60.0, max_creates=16, live_since=NOW + timedelta(minutes=1), own_id=None
        )
    loads = {load.portal_id: load for load in found.loads}
    assert set(loads) == {first, second}  # the paused portal is not polled
    assert loads[first].poll_interval_s == 60.0
    assert loads[first].account_vacancies == (1,)  # the archived one is not listed every pass
    assert sorted(loads[first].recent_pass_requests) == [12, 40]  # 12 - 0, and 50 - 2 x 5
    assert loads[second].account_vacancies == ()  # no hh.ru account linked
    assert loads[second].recent_pass_requests == (7,) * fleet.RECENT_PASSES
    assert found.instances == 2  # alpha ran lately (a forced resync is no instance), gamma asks
    assert nobody.instances == 1  # an operator's command with no pass of its own counts one
