"""A stop that outlasts ``sync.graceful_stop_s`` cancels the pass, gives the lease back at once,
and the next instance finishes the import with exactly one lead per negotiation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hhsync.db import leases
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.service.runner import Runner
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import expected_leads

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
DOMAIN = "stopping.bitrix24.ru"


async def lead_count(bitrix: httpx.AsyncClient) -> int:
    count: int = (await bitrix.get(f"/_sandbox/portals/{DOMAIN}")).json()["counts"]["leads"]
    return count


async def test_stop_cancels_a_long_pass_releases_its_lease_and_loses_nothing(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    database = Database(db_url, pool_size=6)
    base = runner_settings(hh_url, db_url)
    slow = base.model_copy(
        update={
            "hh": base.hh.model_copy(update={"requests_per_s": 6.0}),
            "sync": base.sync.model_copy(update={"graceful_stop_s": 0.1}),
        }
    )
    try:
        await add_portal(database, cipher, hh, bitrix, DOMAIN)
        expected = await expected_leads(hh)
        first = Runner(slow, database, cipher, instance_id="first", serve_web=False, tick_s=0.2)
        stop = asyncio.Event()
        running = asyncio.create_task(first.run(stop, handle_signals=False))
        async with asyncio.timeout(60):  # a bound on the wait, not a timing assertion
            while await lead_count(bitrix) == 0:  # noqa: ASYNC110 - state is in the sandbox
                await asyncio.sleep(0.1)
        stop.set()
        await running  # returns normally: the cancelled pass does not leak its CancelledError
        assert first.scheduler.tally.passes == 0  # the only pass was cancelled, not finished
        async with database.session() as session:
            assert await leases.lease_holders(session, first.ctx.clock.now()) == []
        partial = await lead_count(bitrix)
        assert 0 < partial < expected

        second = Runner(base, database, cipher, instance_id="second", serve_web=False, tick_s=0.2)
        stop = asyncio.Event()
        running = asyncio.create_task(second.run(stop, handle_signals=False))
        async with asyncio.timeout(60):
            while second.scheduler.tally.passes == 0:  # noqa: ASYNC110 - a pass to finish
                await asyncio.sleep(0.1)
        stop.set()
        await running
        leads = (await bitrix.get(f"/_sandbox/portals/{DOMAIN}/entities/lead")).json()
        assert len(leads) == expected
        assert len({lead["ORIGIN_ID"] for lead in leads}) == expected
    finally:
        await hh.aclose()
        await bitrix.aclose()
        await database.dispose()
