"""``hhsync doctor``'s clock checks on real PostgreSQL: a skewed host clock is a FAIL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hhsync.clock import FrozenClock, SystemClock
from hhsync.config import load_settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.service.doctor import diagnose
from hhsync.testing.server import free_port

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
