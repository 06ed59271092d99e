"""One portal's import draws the hh.ru budget at back-fill priority; another portal's regular
pass goes ahead of it: the real budget, the real engine, both sandboxes over HTTP.

hh.ru limits requests per client address (hhru/api #74), so every portal of a process shares one
budget; the sandbox enforces the same 10/s and answers 429 beyond it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.hh.budget import Grant, Priority
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.apply.creates import CREATES_PER_BATCH
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.portal import SandboxPortal, install_sandbox_portal
from hhsync.testing.settings import engine_settings
from hhsync.testing.world import serve_sandboxes

BACKLOG = 2 * CREATES_PER_BATCH
"""New responses of the importing portal: more than one create chunk, so a back-fill."""


@dataclass
class Fleet:
    hh: httpx.AsyncClient
    importing: SandboxPortal
    regular: SandboxPortal
    ctx: SyncContext


@pytest.fixture
def sandboxes() -> Iterator[tuple[str, str]]:
    """Two employers of one vacancy each, hh.ru's 10/s per address enforced."""
    config = HhSandboxConfig(
        seed=11,
        employers=2,
        managers_per_employer=1,
        vacancies_per_employer=1,
        archived_vacancies_per_employer=0,
        applicants=3 * BACKLOG,
        negotiations_per_vacancy=BACKLOG,
        rate_limit_per_s=10,
        resume_views_per_day=10_000,
    )
    with serve_sandboxes(config) as urls:
        yield urls


@pytest.fixture
async def fleet(
    sandboxes: tuple[str, str], database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[Fleet]:
    hh_url, bitrix_url = sandboxes
    base = engine_settings(hh_url, db_url)
    settings = base.model_copy(update={"hh": base.hh.model_copy(update={"requests_per_s": 10.0})})
    async with httpx.AsyncClient(
        base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30
    ) as hh:
        importing, regular = [
            await install_sandbox_portal(
                hh, hh_url, bitrix_url, database, cipher, domain=domain, employer_index=index
            )
            for index, domain in enumerate(("import.bitrix24.ru", "regular.bitrix24.ru"))
        ]
        ctx = SyncContext.create(settings, database, cipher, instance_id="backfill")
        try:
            yield Fleet(hh, importing, regular, ctx)
        finally:
            await ctx.aclose()


async def test_a_regular_pass_is_served_ahead_of_another_portals_backfill(fleet: Fleet) -> None:
    ctx, hh = fleet.ctx, fleet.hh
    # The regular portal's own import first, then two new responses on its vacancy.
    await run_pass(ctx, fleet.regular.portal_id)
    world = (await hh.get("/_sandbox/state")).json()
    vacancy = next(v for v in world["vacancies"] if v["employer_id"] == fleet.regular.employer_id)
    for _ in range(2):
        (
            await hh.post("/_sandbox/negotiations", json={"vacancy_id": vacancy["id"]})
        ).raise_for_status()
    await hh.delete("/_sandbox/requests")

    grants: list[Grant] = []
    importing_key = f"{fleet.importing.portal_id}:{fleet.importing.account_id}"
    regular_key = f"{fleet.regular.portal_id}:{fleet.regular.account_id}"
    backfill_started = asyncio.Event()

    def granted(grant: Grant) -> None:
        grants.append(grant)
        if grant.key == importing_key and grant.priority == Priority.BACKFILL:
            backfill_started.set()

    ctx.budget.on_grant = granted
    importing = asyncio.create_task(run_pass(ctx, fleet.importing.portal_id))
    await asyncio.wait_for(backfill_started.wait(), timeout=60)
    regular_report = await run_pass(ctx, fleet.regular.portal_id)
    importing_report = await importing

    assert regular_report.writes.created == 2
    assert importing_report.writes.created == BACKLOG
    mine = [g for g in grants if g.key == regular_key]
    theirs = [g for g in grants if g.key == importing_key]
    # The regular pass (two new responses: one chunk) reads and fetches at incremental priority;
    # the import lists at incremental priority and fetches resumes and PDFs at back-fill.
    assert mine
    assert {g.priority for g in mine} == {Priority.INCREMENTAL}
    assert {g.priority for g in theirs} == {Priority.INCREMENTAL, Priority.BACKFILL}
    assert sum(g.priority == Priority.BACKFILL for g in theirs) >= BACKLOG  # a resume each
    # The regular pass's requests went while back-fill requests were queued ahead in time...
    assert any(g.waiting.get(Priority.BACKFILL, 0) > 0 for g in mine)
    # ...and no back-fill request went while an incremental one waited.
    assert all(
        g.waiting.get(Priority.INCREMENTAL, 0) == 0
        for g in grants
        if g.priority == Priority.BACKFILL
    )
    # hh.ru saw the regular portal's pass end before the import's back-fill did, and no 429.
    log = (await hh.get("/_sandbox/requests")).json()
    managers = [item["manager_id"] for item in log["items"]]
    assert managers.index(fleet.importing.manager_id) < managers.index(fleet.regular.manager_id)
    last_regular = len(managers) - 1 - managers[::-1].index(fleet.regular.manager_id)
    last_importing = len(managers) - 1 - managers[::-1].index(fleet.importing.manager_id)
    assert last_regular < last_importing
    assert all(item["status"] != 429 for item in log["items"])
    assert all(tally["refused"] == 0 for tally in log["clients"].values())
