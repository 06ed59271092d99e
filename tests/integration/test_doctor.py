"""``hhsync doctor``'s clock checks on real PostgreSQL: a skewed host clock is a FAIL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hhsync.clock import FrozenClock, SystemClock
from hhsync.config import load_settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import RunStatus, SyncRun
from hhsync.service.doctor import diagnose
from hhsync.testing.server import free_port
from hhsync.testing.world import World

pytestmark = pytest.mark.postgres


async def checks_at(database: Database, db_url: str, clock: FrozenClock | SystemClock) -> dict:
    settings = load_settings(
        environ={
            "HHSYNC_DATABASE__URL": db_url,
            "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
            "HHSYNC_HH__API_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens
        }
    )
    return {c.name: c for c in await diagnose(settings, database, clock)}


async def test_the_database_clock_check_passes_in_sync_and_fails_when_skewed(
    database: Database, db_url: str
) -> None:
    in_sync = await checks_at(database, db_url, SystemClock())
    assert in_sync["clock (database)"].ok, in_sync["clock (database)"].reason
    assert not in_sync["hh.ru"].ok
    assert "clock (hh.ru)" not in in_sync  # unreachable hh.ru is its own FAIL, not a clock one

    skewed = FrozenClock(datetime.now(UTC) + timedelta(seconds=45))
    late = await checks_at(database, db_url, skewed)
    assert not late["clock (database)"].ok
    assert "a sixth of sync.lease_ttl_s" in late["clock (database)"].reason


async def test_the_capacity_check_fails_over_budget_and_says_to_add_an_instance(
    world: World,
) -> None:
    settings = world.ctx.settings  # hh.ru at 100/s: 5,700 requests a minute to plan for
    before = {c.name: c for c in await diagnose(settings, world.ctx.database, SystemClock())}
    assert before["hh.ru capacity"].ok, before["hh.ru capacity"].reason
    assert "intervals as set" in before["hh.ru capacity"].reason
    assert "this instance can poll" in before["hh.ru capacity"].reason
    # Recent passes of 10,000 requests each, one a minute: 10,000 a minute, over the budget.
    now = world.clock.now()
    async with world.ctx.database.session() as session:
        for n in range(3):
            session.add(
                SyncRun(
                    portal_id=world.portal_id,
                    instance_id="test",
                    status=RunStatus.OK,
                    started_at=now - timedelta(hours=1, minutes=n),
                    finished_at=now - timedelta(hours=1, minutes=n) + timedelta(seconds=50),
                    hh_requests=10_000,
                )
            )
    after = {c.name: c for c in await diagnose(settings, world.ctx.database, SystemClock())}
    check = after["hh.ru capacity"]
    assert not check.ok
    assert "intervals stretched x1.75 (poll every 105 s)" in check.reason
    assert check.reason.endswith("add an instance with its own egress address for more")
