"""Login nonces (``db.oauth_states``): one use, one portal, one user, until they expire; two
callbacks racing with the same nonce cannot both win."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from hhsync.db import oauth_states, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


async def _portal(database: Database, cipher: TokenCipher) -> int:
    install = portals.PortalInstall(
        member_id=uuid.uuid4().hex,
        domain=f"{uuid.uuid4().hex[:8]}.bitrix24.ru",
        client_endpoint="https://x.bitrix24.ru/rest/",
        server_endpoint="https://oauth.bitrix.info/rest/",
        access_token="a",
        refresh_token="r",
        access_expires_at=NOW + timedelta(hours=1),
    )
    async with database.session() as session:
        portal = await portals.install_portal(session, cipher, install, NOW)
    assert portal.id is not None
    return portal.id


async def _issue(database: Database, portal_id: int, nonce: str, user_id: int = 5) -> None:
    async with database.session() as session:
        await oauth_states.issue_state(
            session,
            portal_id=portal_id,
            user_id=user_id,
            nonce=nonce,
            now=NOW,
            expires_at=NOW + timedelta(minutes=10),
        )


async def _consume(
    database: Database, portal_id: int, nonce: str, user_id: int = 5, at: datetime = NOW
) -> bool:
    async with database.session() as session:
        return await oauth_states.consume_state(
            session, portal_id=portal_id, user_id=user_id, nonce=nonce, now=at
        )


async def test_a_nonce_is_consumed_once(database: Database, cipher: TokenCipher) -> None:
    portal = await _portal(database, cipher)
    await _issue(database, portal, "n1")
    assert await _consume(database, portal, "n1")
    assert not await _consume(database, portal, "n1")


async def test_racing_callbacks_cannot_both_consume(
    database: Database, cipher: TokenCipher
) -> None:
    portal = await _portal(database, cipher)
    await _issue(database, portal, "race")
    results = await asyncio.gather(*(_consume(database, portal, "race") for _ in range(4)))
    assert sorted(results) == [False, False, False, True]


async def test_another_portal_or_user_or_an_expired_nonce_consumes_nothing(
    database: Database, cipher: TokenCipher
) -> None:
    mine, theirs = await _portal(database, cipher), await _portal(database, cipher)
    await _issue(database, mine, "n2")
    assert not await _consume(database, theirs, "n2")
    assert not await _consume(database, mine, "n2", user_id=6)
    assert not await _consume(database, mine, "n2", at=NOW + timedelta(minutes=10))
    assert not await _consume(database, mine, "unknown")
    assert await _consume(database, mine, "n2")  # still there for its rightful owner


async def test_open_logins_are_counted_and_old_rows_swept(
    database: Database, cipher: TokenCipher
) -> None:
    portal = await _portal(database, cipher)
    for index in range(3):
        await _issue(database, portal, f"open-{index}")
    assert await _consume(database, portal, "open-0")
    async with database.session() as session:
        assert await oauth_states.live_states(session, portal, 5, NOW) == 2
        assert await oauth_states.live_states(session, portal, 5, NOW + timedelta(hours=1)) == 0
        await oauth_states.issue_state(
            session,
            portal_id=portal,
            user_id=5,
            nonce="later",
            now=NOW + timedelta(days=2),
            expires_at=NOW + timedelta(days=2, minutes=10),
        )
        assert await oauth_states.live_states(session, portal, 5, NOW) == 1  # the rest swept
