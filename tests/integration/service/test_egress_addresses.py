"""Two instances on one host, each leaving from its own address, each within its own hh.ru budget.

hh.ru limits requests per client address, about 10/s (hhru/api #74), and the sandbox enforces
that per address (:mod:`hhsync.sandbox.hh.limits`, 429 beyond). Two real daemons
(:class:`Runner`) on one PostgreSQL database import four portals at once, one bound to 127.0.0.1
and one to 127.0.0.2 (``hh.local_address``), each paced at 10/s: together they send more than
one address may, yet the sandbox counts each address apart, sees both, and refuses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import col, select

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import SyncRun
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.service.runner import Runner
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import expected_leads, serve_sandboxes

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PORTALS = 4
ADDRESSES = ("127.0.0.1", "127.0.0.2")
HH_LIMIT_PER_S = 10


@pytest.fixture
def sandboxes() -> Iterator[tuple[str, str]]:
    """One employer whose import costs each portal some 60 hh.ru requests; 10/s per address."""
    config = HhSandboxConfig(
        seed=5,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=3,
        archived_vacancies_per_employer=0,
        applicants=60,
        negotiations_per_vacancy=8,
        rate_limit_per_s=HH_LIMIT_PER_S,
        resume_views_per_day=10_000,
    )
    with serve_sandboxes(config) as urls:
        yield urls


async def test_two_instances_with_their_own_addresses_each_keep_to_their_budget(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    setup = Database(db_url, pool_size=2)
    pools = [Database(db_url, pool_size=12) for _ in ADDRESSES]
    base = runner_settings(hh_url, db_url)
    try:
        domains = [f"egress{n}.bitrix24.ru" for n in range(PORTALS)]
        for domain in domains:
            await add_portal(setup, cipher, hh, bitrix, domain)
        expected = await expected_leads(hh)
        await hh.delete("/_sandbox/requests")
        runners = [
            Runner(
                base.model_copy(
                    update={
                        "hh": base.hh.model_copy(
                            update={"requests_per_s": HH_LIMIT_PER_S, "local_address": address}
                        )
                    }
                ),
                pool,
                cipher,
                instance_id=f"instance-{address}",
                serve_web=False,
                tick_s=0.2,
            )
            for address, pool in zip(ADDRESSES, pools, strict=True)
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop, handle_signals=False)) for r in runners]

        async def imported() -> bool:
            for domain in domains:
                answer = await bitrix.get(f"/_sandbox/portals/{domain}")
                if answer.json()["counts"]["leads"] != expected:
                    return False
            return True

        try:
            async with asyncio.timeout(120):  # a bound on the wait, not a timing assertion
                while not await imported():  # noqa: ASYNC110 - the state is in the sandbox
                    await asyncio.sleep(0.5)
        finally:
            stop.set()
            await asyncio.gather(*tasks)

        log = (await hh.get("/_sandbox/requests")).json()
        clients = log["clients"]
        assert set(clients) == set(ADDRESSES)
        for address in ADDRESSES:
            tally = clients[address]
            assert tally["served"] > 0
            assert tally["refused"] == 0
            assert tally["peak_per_s"] <= HH_LIMIT_PER_S
        assert all(item["status"] != 429 for item in log["items"])
        assert {item["client"] for item in log["items"]} == set(ADDRESSES)
        # Both instances ran passes: the portals were split between the two addresses.
        async with setup.session() as session:
            owners = (
                await session.exec(
                    select(SyncRun.instance_id).where(col(SyncRun.finished_at).is_not(None))
                )
            ).all()
        assert set(owners) == {f"instance-{address}" for address in ADDRESSES}
    finally:
        await hh.aclose()
        await bitrix.aclose()
        await setup.dispose()
        for pool in pools:
            await pool.dispose()
