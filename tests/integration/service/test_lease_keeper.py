"""The lease keeper on real PostgreSQL: one rule for the daemon's leases and an operator's.

A beat renews what is still ours and cancels the pass of a lease someone else took. While the
database cannot be reached (connections refused and the open ones cut, as when PostgreSQL
restarts) a lease survives a missed beat, but is given up one beat before it would expire, so the
pass stops before another instance may take the portal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from hhsync.clock import FrozenClock
from hhsync.db import leases
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.service.lease_keeper import (
    EVENT_HEARTBEAT_FAILED,
    EVENT_LEASE_LOST,
    LeaseKeeper,
)
from tests.integration.test_leases import make_portals

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TTL_S = 60.0
OWNER = "instance-alpha"


async def leased_portals(database: Database, cipher: TokenCipher, count: int) -> list[int]:
    """Install ``count`` portals and lease them all to ``OWNER`` at ``NOW``."""
    await make_portals(database, cipher, count)
    async with database.session() as session:
        claimed = await leases.claim_due_portals(session, OWNER, NOW, TTL_S, count)
    assert len(claimed) == count
    return claimed


async def live_leases(database: Database, now: datetime) -> dict[int, tuple[str, datetime]]:
    async with database.session() as session:
        return {
            x.portal_id: (x.owner, x.expires_at) for x in await leases.lease_holders(session, now)
        }


def endless_pass() -> asyncio.Task[None]:
    return asyncio.create_task(asyncio.Event().wait())


def _allow_connections(admin_url: str, database: str, allowed: bool) -> None:
    libpq = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(database), sql.SQL("true" if allowed else "false")
            )
        )
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )


@contextlib.asynccontextmanager
async def database_away(admin_url: str, db_url: str) -> AsyncIterator[None]:
    """The test database refuses new connections and its open ones are cut, until the block ends."""
    name = make_url(db_url).database
    assert name is not None
    await asyncio.to_thread(_allow_connections, admin_url, name, False)
    try:
        yield
    finally:
        await asyncio.to_thread(_allow_connections, admin_url, name, True)


async def test_a_beat_renews_our_leases_and_cancels_the_pass_whose_lease_was_taken(
    database: Database, cipher: TokenCipher
) -> None:
    mine, taken = await leased_portals(database, cipher, 2)
    clock = FrozenClock(NOW)
    keeper = LeaseKeeper(database, clock, OWNER, TTL_S)
    passes = {portal_id: endless_pass() for portal_id in (mine, taken)}
    for portal_id, task in passes.items():
        keeper.keep(portal_id, task)
    try:
        # Another instance took one portal (our lease had run out there, say after a pause).
        async with database.session() as session:
            assert await leases.claim_portal(
                session, "thief", taken, NOW + timedelta(seconds=TTL_S), TTL_S
            )
        clock.advance(keeper.beat_s)
        with capture_logs() as logs:
            assert await keeper.beat() == [mine]
        await asyncio.wait({passes[taken]}, timeout=5)
        assert passes[taken].cancelled()
        assert keeper.is_lost(taken)
        assert not passes[mine].done()
        assert not keeper.is_lost(mine)
        assert [(e["event"], e["portal"]) for e in logs if e["event"] == EVENT_LEASE_LOST] == [
            (EVENT_LEASE_LOST, taken)
        ]
        held = await live_leases(database, clock.now())
        assert held[mine] == (OWNER, clock.now() + timedelta(seconds=TTL_S))
        assert held[taken][0] == "thief"

        # A lost lease is not renewed again; the holder forgets it and nothing else changes.
        assert keeper.kept == [mine]
        keeper.forget(taken)
        assert not keeper.is_lost(taken)
        clock.advance(keeper.beat_s)
        assert await keeper.beat() == [mine]
        assert (await live_leases(database, clock.now()))[taken][0] == "thief"
    finally:
        for task in passes.values():
            task.cancel()


async def test_a_lease_the_database_cannot_renew_is_given_up_one_beat_before_it_expires(
    database: Database, cipher: TokenCipher, db_url: str, pg_admin_url: str
) -> None:
    [portal_id] = await leased_portals(database, cipher, 1)
    clock = FrozenClock(NOW)
    keeper = LeaseKeeper(database, clock, OWNER, TTL_S)
    running = endless_pass()
    keeper.keep(portal_id, running)
    try:
        # One beat unanswered: the lease still outlives the next beat, so the pass goes on.
        async with database_away(pg_admin_url, db_url):
            clock.advance(keeper.beat_s)
            with capture_logs() as logs:
                assert await keeper.beat() == [portal_id]
        assert [e["portals"] for e in logs if e["event"] == EVENT_HEARTBEAT_FAILED] == [[portal_id]]
        assert not running.done()

        # The database is back: the next beat renews the lease from now.
        clock.advance(keeper.beat_s)
        renewed_at = clock.now()
        assert await keeper.beat() == [portal_id]
        expires_at = renewed_at + timedelta(seconds=TTL_S)
        assert await live_leases(database, renewed_at) == {portal_id: (OWNER, expires_at)}

        # Away again: the first miss is tolerated, the second would leave the lease to expire
        # before the next beat, so it is given up now and the pass stopped.
        async with database_away(pg_admin_url, db_url):
            clock.advance(keeper.beat_s)
            assert await keeper.beat() == [portal_id]
            assert not running.done()
            clock.advance(keeper.beat_s)
            with capture_logs() as logs:
                assert await keeper.beat() == []
            await asyncio.wait({running}, timeout=5)
        assert running.cancelled()
        assert keeper.is_lost(portal_id)
        assert [e["portal"] for e in logs if e["event"] == EVENT_LEASE_LOST] == [portal_id]
        # Given up one beat early: in the database the lease is still live until then.
        assert clock.now() + timedelta(seconds=keeper.beat_s) == expires_at
        assert await live_leases(database, clock.now()) == {portal_id: (OWNER, expires_at)}
        assert keeper.kept == []
    finally:
        running.cancel()
