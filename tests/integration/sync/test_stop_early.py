"""A daemon shutting down ends a pass at the next boundary, with everything read kept.

The stop event is what ``PassScheduler.stop_claiming`` sets on SIGTERM; here it is set from an
hh.ru response hook, right after the first vacancy's negotiations were listed.
"""

from __future__ import annotations

import asyncio

import httpx
from sqlmodel import select

from hhsync.db import state
from hhsync.db.tables import Negotiation, RunStatus, SyncRun, SyncStatus
from hhsync.sync.apply.creates import CREATES_PER_BATCH
from hhsync.sync.engine import run_pass
from hhsync.testing.world import FIRST_CREATE_BATCH, World

STOPPED = "stopped early for a shutdown; the next pass carries on"


async def test_a_stop_after_the_first_vacancy_keeps_what_was_read_for_the_next_pass(
    world: World,
) -> None:
    expected = world.hh_negotiations()
    stop = asyncio.Event()

    async def stop_after_a_listing(response: httpx.Response) -> None:
        if "/negotiations/" in response.request.url.path and "vacancy_id" in str(
            response.request.url
        ):
            stop.set()

    world.ctx.hh_http.event_hooks["response"].append(stop_after_a_listing)
    try:
        report = await run_pass(world.ctx, world.portal_id, stop=stop)
    finally:
        world.ctx.hh_http.event_hooks["response"].remove(stop_after_a_listing)
    assert stop.is_set()
    assert report.vacancies_read == 1
    assert report.skipped == STOPPED
    assert report.status == RunStatus.OK
    assert world.entities("lead") == []  # nothing planned or written after the stop
    async with world.ctx.database.session() as session:
        stored = (await session.exec(select(Negotiation))).all()
        run = await session.get(SyncRun, report.run_id)
    assert stored
    assert {n.sync_status for n in stored} == {SyncStatus.PENDING}
    assert run is not None
    assert run.finished_at is not None
    assert run.error == STOPPED

    finished = await run_pass(world.ctx, world.portal_id)
    assert finished.skipped is None
    assert len(world.entities("lead")) == expected
    async with world.ctx.database.session() as session:
        assert (await state.count_by_status(session, world.portal_id))["synced"] == expected


async def test_a_stop_before_the_pass_reads_nothing(world: World) -> None:
    stop = asyncio.Event()
    stop.set()
    report = await run_pass(world.ctx, world.portal_id, stop=stop)
    assert report.skipped == STOPPED
    assert report.hh_requests == 0
    assert report.bitrix_requests == 0


async def test_a_stop_during_the_first_crm_batch_sends_no_further_batch(world: World) -> None:
    expected = world.hh_negotiations()
    assert expected > CREATES_PER_BATCH  # so that a second batch would follow
    stop = asyncio.Event()

    async def stop_on_first_create_batch(request: httpx.Request) -> None:
        if b"crm.lead.add" in request.content:
            stop.set()

    world.ctx.bitrix_http.event_hooks["request"].append(stop_on_first_create_batch)
    try:
        report = await run_pass(world.ctx, world.portal_id, stop=stop)
    finally:
        world.ctx.bitrix_http.event_hooks["request"].remove(stop_on_first_create_batch)
    assert report.skipped == STOPPED
    assert report.writes.created == FIRST_CREATE_BATCH  # the batch under way is recorded
    assert len(world.entities("lead")) == FIRST_CREATE_BATCH
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    assert counts["synced"] == FIRST_CREATE_BATCH
    assert counts["pending"] == expected - FIRST_CREATE_BATCH
    assert counts["in_flight"] == 0

    await run_pass(world.ctx, world.portal_id)
    origins = [lead["ORIGIN_ID"] for lead in world.entities("lead")]
    assert len(origins) == len(set(origins)) == expected
