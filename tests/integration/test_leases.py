"""Portal leases on real PostgreSQL (and the single-instance SQLite fallback).

One owner per portal (ARCHITECTURE.md invariant 6): concurrent claimers split the due portals, a
lease blocks others until it expires, a lost lease shows up in the old owner's heartbeat.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hhsync.db import leases, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.migrate import upgrade
from hhsync.db.session import Database
from hhsync.db.tables import PortalStatus

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TTL_S = 60.0
ALPHA = "instance-alpha"
BETA = "instance-beta"


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


async def make_portals(database: Database, cipher: TokenCipher, count: int) -> list[int]:
    """Install ``count`` active portals with no pass scheduled (all due at once)."""
    ids = []
    async with database.session() as session:
        for number in range(count):
            member = f"member{number:03d}"
            portal = await portals.install_portal(
                session,
                cipher,
                portals.PortalInstall(
                    member_id=member,
                    domain=f"{member}.bitrix24.ru",
                    client_endpoint=f"https://{member}.bitrix24.ru/rest/",
                    server_endpoint="https://oauth.bitrix.info/rest/",
                    access_token=f"access-{member}",
                    refresh_token=f"refresh-{member}",
                    access_expires_at=later(3600),
                ),
                NOW,
            )
            assert portal.id is not None
            ids.append(portal.id)
    return ids


async def claim(database: Database, owner: str, now: datetime = NOW, limit: int = 100) -> list[int]:
    async with database.session() as session:
        return await leases.claim_due_portals(session, owner, now, TTL_S, limit)


async def heartbeat(database: Database, owner: str, ids: list[int], now: datetime) -> list[int]:
    async with database.session() as session:
        return await leases.heartbeat(session, owner, ids, now, TTL_S)


async def test_concurrent_claimers_never_get_the_same_portal(
    database: Database, cipher: TokenCipher
) -> None:
    ids = await make_portals(database, cipher, 12)
    other = Database(database.url, pool_size=2)
    try:
        got_alpha, got_beta = await asyncio.gather(
            claim(database, ALPHA, limit=8), claim(other, BETA, limit=8)
        )
    finally:
        await other.dispose()
    assert not set(got_alpha) & set(got_beta)
    assert len(got_alpha) <= 8
    assert len(got_beta) <= 8
    async with database.session() as session:
        holders = {
            lease.portal_id: lease.owner for lease in await leases.lease_holders(session, NOW)
        }
    assert holders == {pid: ALPHA for pid in got_alpha} | {pid: BETA for pid in got_beta}
    assert set(holders) <= set(ids)


async def test_a_claim_in_flight_makes_the_other_claimer_skip_its_portals(
    database: Database, cipher: TokenCipher
) -> None:
    ids = await make_portals(database, cipher, 5)
    # Alpha's transaction stays open (its rows locked, its leases uncommitted) while Beta claims:
    # SKIP LOCKED lets Beta take the rest at once instead of waiting or double-claiming.
    async with database.session() as alpha_session:
        got_alpha = await leases.claim_due_portals(alpha_session, ALPHA, NOW, TTL_S, 3)
        # Not a timing assertion: without SKIP LOCKED Beta would wait for Alpha forever.
        async with asyncio.timeout(30):
            got_beta = await claim(database, BETA, limit=5)
    assert got_alpha == ids[:3]
    assert got_beta == ids[3:]


async def test_a_leased_portal_is_claimable_only_once_the_lease_expires(
    database: Database, cipher: TokenCipher
) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    assert await claim(database, ALPHA) == [portal_id]
    assert await claim(database, BETA, now=later(TTL_S - 1)) == []
    assert await claim(database, ALPHA, now=later(TTL_S - 1)) == []
    assert await claim(database, BETA, now=later(TTL_S)) == [portal_id]


async def test_heartbeat_keeps_the_lease_and_a_takeover_is_reported_to_the_old_owner(
    database: Database, cipher: TokenCipher
) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    assert await claim(database, ALPHA) == [portal_id]
    # A heartbeat before expiry pushes expiry to later(50 + TTL_S): Beta must wait for that.
    assert await heartbeat(database, ALPHA, [portal_id], later(50)) == [portal_id]
    assert await claim(database, BETA, now=later(TTL_S + 1)) == []
    assert await claim(database, BETA, now=later(50 + TTL_S)) == [portal_id]
    # Alpha missed its heartbeat: the answer says the lease is gone, so its pass stops.
    assert await heartbeat(database, ALPHA, [portal_id], later(50 + TTL_S + 1)) == []
    assert await heartbeat(database, BETA, [portal_id], later(50 + TTL_S + 1)) == [portal_id]


async def test_heartbeat_after_expiry_reports_the_loss_even_if_nobody_took_over(
    database: Database, cipher: TokenCipher
) -> None:
    first, second = await make_portals(database, cipher, 2)
    assert await claim(database, ALPHA, limit=1) == [first]
    assert await claim(database, ALPHA, now=later(30), limit=1) == [second]
    assert await heartbeat(database, ALPHA, [first, second], later(TTL_S)) == [second]


async def test_paused_reauth_and_uninstalled_portals_are_never_claimed(
    database: Database, cipher: TokenCipher
) -> None:
    active, paused, reauth, gone = await make_portals(database, cipher, 4)
    async with database.session() as session:
        for portal_id, status in (
            (paused, PortalStatus.PAUSED),
            (reauth, PortalStatus.NEEDS_REAUTH),
            (gone, PortalStatus.UNINSTALLED),
        ):
            assert await portals.set_portal_status(session, portal_id, status, "test", NOW)
    assert await claim(database, ALPHA) == [active]
    assert await claim(database, BETA, now=later(10 * TTL_S)) == [active]


async def test_limit_caps_each_claim(database: Database, cipher: TokenCipher) -> None:
    ids = await make_portals(database, cipher, 5)
    assert await claim(database, ALPHA, limit=2) == ids[:2]
    assert await claim(database, ALPHA, limit=2) == ids[2:4]
    assert await claim(database, ALPHA, limit=0) == []
    assert await claim(database, BETA, limit=2) == ids[4:]


async def test_release_schedules_the_next_pass(database: Database, cipher: TokenCipher) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    assert await claim(database, ALPHA) == [portal_id]
    async with database.session() as session:
        # Only the owner can release; a stranger's release changes nothing.
        assert not await leases.release(session, BETA, portal_id, later(5), later(1))
        assert await leases.release(session, ALPHA, portal_id, later(300), later(10))
        assert await leases.lease_holders(session, later(10)) == []
        portal = await portals.get_portal(session, portal_id)
        assert portal is not None
        assert portal.next_pass_at == later(300)
    assert await claim(database, BETA, now=later(299)) == []
    assert await claim(database, BETA, now=later(300)) == [portal_id]


async def test_release_after_expiry_warns_that_heartbeats_came_late(
    database: Database, cipher: TokenCipher
) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    assert await claim(database, ALPHA) == [portal_id]
    with capture_logs() as logs:
        async with database.session() as session:
            assert await leases.release(session, ALPHA, portal_id, later(600), later(TTL_S + 5))
    [line] = [entry for entry in logs if entry["event"] == leases.EVENT_RELEASED_AFTER_EXPIRY]
    assert line["portal"] == portal_id
    assert line["expired_s"] == 5.0


async def test_prune_expired_removes_only_dead_leases(
    database: Database, cipher: TokenCipher
) -> None:
    first, second = await make_portals(database, cipher, 2)
    assert await claim(database, ALPHA, limit=1) == [first]
    assert await claim(database, BETA, now=later(30), limit=1) == [second]
    async with database.session() as session:
        assert await leases.prune_expired(session, later(TTL_S)) == [first]
        [lease] = await leases.lease_holders(session, later(TTL_S))
    assert lease == leases.Lease(
        portal_id=second,
        owner=BETA,
        claimed_at=later(30),
        heartbeat_at=later(30),
        expires_at=later(30 + TTL_S),
    )


async def test_sqlite_claims_for_one_instance_and_says_leasing_is_single_instance(
    tmp_path: Path, cipher: TokenCipher
) -> None:
    path = tmp_path / "hhsync.sqlite3"
    upgrade(f"sqlite:///{path}")
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        ids = await make_portals(database, cipher, 3)
        with capture_logs() as logs:
            assert await claim(database, ALPHA, limit=2) == ids[:2]
            assert await claim(database, BETA) == ids[2:]
            assert await claim(database, BETA, now=later(TTL_S - 1)) == []
            assert await heartbeat(database, ALPHA, ids, later(TTL_S - 1)) == ids[:2]
            assert await claim(database, BETA, now=later(2 * TTL_S)) == ids
        notices = [e for e in logs if e["event"] == leases.EVENT_LEASING_SINGLE_INSTANCE]
        assert len(notices) == 1
        assert "multi-instance leasing is off" in notices[0]["note"]
    finally:
        await database.dispose()


async def test_a_lease_needs_a_positive_ttl(database: Database, cipher: TokenCipher) -> None:
    await make_portals(database, cipher, 1)
    async with database.session() as session:
        with pytest.raises(ValueError, match="positive TTL"):
            await leases.claim_due_portals(session, ALPHA, NOW, 0, 1)
    assert await claim(database, ALPHA, limit=1) != []


async def claim_one(database: Database, owner: str, portal_id: int, now: datetime = NOW) -> bool:
    async with database.session() as session:
        return await leases.claim_portal(session, owner, portal_id, now, TTL_S)


async def test_an_operator_claims_a_named_portal_whether_due_or_not_but_never_a_held_one(
    database: Database, cipher: TokenCipher
) -> None:
    first, second = await make_portals(database, cipher, 2)
    async with database.session() as session:
        # Not due for an hour: the claim tick skips it, an operator's resync may still take it.
        assert await leases.release(session, ALPHA, first, later(3600), NOW) is False
        portal = await portals.get_portal(session, first)
        assert portal is not None
        portal.next_pass_at = later(3600)
        session.add(portal)
    assert await claim_one(database, "cli:ops", first)
    assert await claim(database, ALPHA) == [second]  # the tick skips the operator's portal
    assert not await claim_one(database, BETA, second)  # and the operator skips the daemon's
    assert not await claim_one(database, BETA, first, later(TTL_S - 1))
    assert await claim_one(database, "cli:ops", first, later(1))  # renewing one's own is fine
    assert await claim_one(database, BETA, first, later(1 + TTL_S))  # expired: free again
    async with database.session() as session:
        holders = {x.portal_id: x.owner for x in await leases.lease_holders(session, later(TTL_S))}
    assert holders == {first: BETA}


async def test_concurrent_claims_of_one_named_portal_have_one_winner(
    database: Database, cipher: TokenCipher
) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    others = [Database(database.url, pool_size=1) for _ in range(5)]
    try:
        won = await asyncio.gather(
            *(claim_one(db, f"cli:{n}", portal_id) for n, db in enumerate(others))
        )
    finally:
        for other in others:
            await other.dispose()
    assert sorted(won) == [False] * 4 + [True]
