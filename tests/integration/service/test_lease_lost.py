"""A daemon whose lease is taken from it mid-pass stops writing at once and leaves the portal to
the new holder; once that lease ends the import completes with exactly one lead per response."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from hhsync.db import leases
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import RunStatus, SyncRun
from hhsync.service.runner import Runner
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import expected_leads

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
DOMAIN = "lease-lost.bitrix24.ru"


async def leads(bitrix: httpx.AsyncClient) -> list[dict[str, str]]:
    found: list[dict[str, str]] = (
        await bitrix.get(f"/_sandbox/portals/{DOMAIN}/entities/lead")
    ).json()
    return found


async def set_lease(database: Database, portal_id: int, owner: str, expires: str) -> None:
    """Play another instance: ``expires`` is a PostgreSQL interval from now (may be negative)."""
    async with database.session() as session:
        await session.exec(  # type: ignore[call-overload]
            text(
                "UPDATE portal_lease SET owner = :owner, expires_at = now() + CAST(:expires AS"
                " interval) WHERE portal_id = :portal_id"
            ).bindparams(owner=owner, expires=expires, portal_id=portal_id)
        )


async def test_a_lost_lease_cancels_the_pass_and_the_new_holder_is_left_alone(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    database = Database(db_url, pool_size=6)
    base = runner_settings(hh_url, db_url)
    # A slow hh.ru keeps the import going for many heartbeats (every lease_ttl_s / 3).
    slow = base.model_copy(update={"hh": base.hh.model_copy(update={"requests_per_s": 6.0})})
    runner = Runner(slow, database, cipher, instance_id="loser", serve_web=False, tick_s=0.2)
    stop = asyncio.Event()
    try:
        portal_id = await add_portal(database, cipher, hh, bitrix, DOMAIN)
        expected = await expected_leads(hh)
        running = asyncio.create_task(runner.run(stop, handle_signals=False))
        async with asyncio.timeout(60):  # bounds on the waits, not timing assertions
            while not await leads(bitrix):  # noqa: ASYNC110 - state is in the sandbox
                await asyncio.sleep(0.1)
            await set_lease(database, portal_id, "thief", "1 hour")
            while runner.scheduler.running:  # noqa: ASYNC110 - the next heartbeat ends it
                await asyncio.sleep(0.1)
        at_cancel = len(await leads(bitrix))
        assert 0 < at_cancel < expected
        async with database.session() as session:
            [run] = (await session.exec(select(SyncRun))).all()
            holders = await leases.lease_holders(session, runner.ctx.clock.now())
        assert run.status == RunStatus.FAILED
        assert run.finished_at is not None
        # Whichever notices first ends the pass: the next heartbeat cancels it, or the lease
        # fence of its next CRM batch stops it before sending.
        if runner.scheduler.tally.passes == 0:
            assert "cancelled" in (run.error or "")
        else:
            assert "lease of loser ended before a CRM write" in (run.error or "")
        assert [(x.portal_id, x.owner) for x in holders] == [(portal_id, "thief")]
        # Several claim ticks and a heartbeat later: the loser neither writes nor re-claims.
        await asyncio.sleep(2.5)
        assert len(await leads(bitrix)) == at_cancel
        assert runner.scheduler.running == []

        # The thief's lease ends (it died): the loser claims the portal again and completes it.
        await set_lease(database, portal_id, "thief", "-1 second")
        # (A batch the cancelled pass had in flight waits out its hold before it is adopted.)
        async with asyncio.timeout(120):
            while len(await leads(bitrix)) < expected:  # noqa: ASYNC110 - state is in the sandbox
                await asyncio.sleep(0.1)
            while runner.scheduler.running:  # noqa: ASYNC110 - the pass that adopted them
                await asyncio.sleep(0.1)
        stop.set()
        await running
        final = await leads(bitrix)
        assert len(final) == expected
        assert len({lead["ORIGIN_ID"] for lead in final}) == expected
    finally:
        stop.set()
        await hh.aclose()
        await bitrix.aclose()
        await database.dispose()
