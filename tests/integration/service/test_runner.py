"""Two daemon instances on one PostgreSQL database split the portals and never pass one twice.

Each instance is a real :class:`Runner` with its own connection pool and HTTP pools (as two
processes would have), both sandboxes are served over HTTP, and the lease SQL decides who runs
what. The proof is in the ``sync_run`` rows: per portal, no two passes overlap in time, whichever
instances ran them (ARCHITECTURE.md invariant 6).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import SyncRun
from hhsync.service.runner import Runner
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import expected_leads

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PORTALS = 4


async def finished_runs(database: Database) -> list[SyncRun]:
    async with database.session() as session:
        query = select(SyncRun).order_by(col(SyncRun.portal_id), col(SyncRun.started_at))
        return list((await session.exec(query)).all())


async def test_two_runners_sync_every_portal_and_never_overlap_on_one(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    settings = runner_settings(hh_url, db_url)
    setup = Database(db_url, pool_size=2)
    pools = [Database(db_url, pool_size=8), Database(db_url, pool_size=8)]
    try:
        domains = [f"tenant{n}.bitrix24.ru" for n in range(PORTALS)]
        for domain in domains:
            await add_portal(setup, cipher, hh, bitrix, domain)
        expected = await expected_leads(hh)
        runners = [
            Runner(settings, pools[0], cipher, instance_id="alpha", serve_web=False, tick_s=0.2),
            Runner(settings, pools[1], cipher, instance_id="beta", serve_web=False, tick_s=0.2),
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop, handle_signals=False)) for r in runners]

        async def leads(domain: str) -> int:
            answer = await bitrix.get(f"/_sandbox/portals/{domain}")
            count: int = answer.json()["counts"]["leads"]
            return count

        async def done() -> bool:
            runs = await finished_runs(setup)
            passes = Counter(r.portal_id for r in runs if r.finished_at is not None)
            counts = [await leads(d) for d in domains]
            return (
                all(c == expected for c in counts)
                and len(passes) == PORTALS
                and all(n >= 2 for n in passes.values())
            )

        async with asyncio.timeout(120):  # a bound on the wait, not a timing assertion
            while not await done():  # noqa: ASYNC110 - the state is in the sandbox, over HTTP
                await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*tasks)

        runs = await finished_runs(setup)
        assert all(r.finished_at is not None for r in runs)
        by_portal: dict[int, list[SyncRun]] = {}
        for run in runs:
            by_portal.setdefault(run.portal_id, []).append(run)
        assert len(by_portal) == PORTALS
        for portal_runs in by_portal.values():
            for earlier, later in itertools.pairwise(portal_runs):
                assert earlier.finished_at is not None
                assert earlier.finished_at <= later.started_at, (earlier, later)
        per_instance = Counter(r.instance_id for r in runs)
        print(f"passes per instance: {dict(per_instance)}")
        # Each instance runs at most 2 passes at once and 4 portals were due together: both work.
        assert settings.sync.max_concurrent_passes * 2 == PORTALS
        assert set(per_instance) == {"alpha", "beta"}
        first_passes = {runs[0].instance_id for runs in by_portal.values()}
        assert first_passes == {"alpha", "beta"}
        for domain in domains:
            assert await leads(domain) == expected
        leads_of_one: list[Any] = (
            await bitrix.get(f"/_sandbox/portals/{domains[0]}/entities/lead")
        ).json()
        assert len({lead["ORIGIN_ID"] for lead in leads_of_one}) == expected
    finally:
        await hh.aclose()
        await bitrix.aclose()
        for db in (setup, *pools):
            await db.dispose()
