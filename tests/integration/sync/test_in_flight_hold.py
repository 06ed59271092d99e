"""A create batch still running at the portal is never created a second time.

Bitrix24 keeps executing a request after the client has gone (it ends requests only at its 60 s
cut-off; b24restdocs, "Limits": request execution time). A pass that gave up on a slow batch,
was cancelled under it, or whose lease passed to another instance leaves its negotiations in
flight; a lookup by origin made while the batch still runs finds nothing, and creating then makes
a duplicate. So the negotiations wait, visibly, until the request can no longer be running, and
are looked up only after that.

The sandbox portal's "slow" fault holds a batch before executing it and then executes it whether
or not anyone still listens, as the real portal does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from hhsync.db import leases, state
from hhsync.db.tables import SyncStatus
from hhsync.service.status import portal_views
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.sync.options import PassOptions
from hhsync.testing.world import FIRST_CREATE_BATCH, World

SLOW_BATCH_S = 2.5
"""The portal holds the first create batch this long, far past our 1 s request timeout."""


@pytest.fixture
async def impatient(world: World) -> AsyncIterator[SyncContext]:
    """The engine with a 1 s Bitrix24 timeout, against a portal that cuts requests at 4 s."""
    base = world.ctx.settings
    settings = base.model_copy(
        update={
            "bitrix": base.bitrix.model_copy(
                update={"request_timeout_s": 1.0, "request_cutoff_s": 4.0}
            )
        }
    )
    ctx = SyncContext.create(
        settings, world.ctx.database, world.ctx.cipher, clock=world.clock, instance_id="alpha"
    )
    try:
        yield ctx
    finally:
        await ctx.aclose()


def slow_down_next_create_batch(world: World) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "slow", "delay_s": SLOW_BATCH_S, "path_contains": "crm.lead.add"},
    )


async def rows(world: World) -> dict[str, tuple[str, int | None]]:
    async with world.ctx.database.session() as session:
        stored = await state.list_negotiations(session, world.portal_id)
    return {r.hh_negotiation_id: (r.sync_status, r.crm_entity_id) for r in stored}


async def wait_for_leads(world: World, count: int) -> None:
    """Until the portal has finished the batch nobody listens to any more (bounded wait)."""
    for _ in range(200):
        if len(world.entities("lead")) >= count:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"the portal never reached {count} leads")


async def assert_exactly_once(world: World) -> None:
    leads = world.entities("lead")
    origins = Counter(str(lead["ORIGIN_ID"]) for lead in leads)
    twice = sorted(o for o, n in origins.items() if n > 1)
    assert not twice, f"{len(leads)} leads, created twice: {twice}"
    assert len(leads) == world.hh_negotiations()
    per_lead = Counter(
        str(a["OWNER_ID"]) for a in world.entities("activity") if str(a["OWNER_TYPE_ID"]) == "1"
    )
    assert per_lead == Counter({str(lead["ID"]): 1 for lead in leads})
    stored = await rows(world)
    by_origin = {str(lead["ORIGIN_ID"]): int(lead["ID"]) for lead in leads}
    assert {k: v[1] for k, v in stored.items()} == by_origin
    assert {v[0] for v in stored.values()} == {SyncStatus.SYNCED}


async def test_a_rerun_while_the_abandoned_batch_still_runs_creates_nothing_twice(
    world: World, impatient: SyncContext
) -> None:
    slow_down_next_create_batch(world)
    first = await run_pass(impatient, world.portal_id)
    assert (
        first.writes.outcome_unknown == FIRST_CREATE_BATCH
    )  # our side gave up; the portal goes on

    rerun = await run_pass(impatient, world.portal_id)  # at once, like an operator would
    assert rerun.writes.created == 0
    assert rerun.writes.adopted == 0
    waiting = [k for k, (status, _) in (await rows(world)).items() if status == "in_flight"]
    assert len(waiting) == FIRST_CREATE_BATCH
    (shown,) = await portal_views(world.ctx.database, world.clock.now(), world.portal_id)
    assert (
        shown.awaiting_portal == FIRST_CREATE_BATCH
    )  # `hhsync status` says why they wait, and until when
    assert shown.awaiting_portal_until is not None
    assert shown.awaiting_portal_until > world.clock.now()

    await wait_for_leads(world, world.hh_negotiations())
    world.wait_out_in_flight(impatient)
    last = await run_pass(impatient, world.portal_id)
    assert last.writes.adopted == FIRST_CREATE_BATCH
    assert last.writes.created == 0
    await assert_exactly_once(world)


async def test_a_pass_cancelled_under_a_running_batch_leaves_its_lease_holder_nothing_to_redo(
    world: World, impatient: SyncContext
) -> None:
    """Ctrl-C, a stop timeout or a lost lease cancels the pass; the next holder starts at once."""
    slow_down_next_create_batch(world)
    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(session, "alpha", world.portal_id, world.clock.now(), 60)
    interrupted = asyncio.create_task(
        run_pass(impatient, world.portal_id, PassOptions(lease_owner="alpha"))
    )
    sent = FIRST_CREATE_BATCH
    while len([s for s, _ in (await rows(world)).values() if s == "in_flight"]) < sent:  # noqa: ASYNC110 - polling the database, nothing to wait on
        await asyncio.sleep(0.02)  # the slow batch has been sent
    interrupted.cancel()
    with pytest.raises(asyncio.CancelledError):
        await interrupted

    async with world.ctx.database.session() as session:
        now = world.clock.now()
        await leases.release(session, "alpha", world.portal_id, now, now)
        assert await leases.claim_portal(session, "beta", world.portal_id, world.clock.now(), 60)
    beta = SyncContext.create(
        impatient.settings,
        world.ctx.database,
        world.ctx.cipher,
        clock=world.clock,
        instance_id="beta",
    )
    try:
        taken_over = await run_pass(beta, world.portal_id, PassOptions(lease_owner="beta"))
        # only the negotiations that never went
        assert taken_over.writes.created == world.hh_negotiations() - FIRST_CREATE_BATCH
        assert taken_over.writes.adopted == 0
        await wait_for_leads(world, world.hh_negotiations())
        world.wait_out_in_flight(beta)
        async with world.ctx.database.session() as session:
            await leases.heartbeat(session, "beta", [world.portal_id], world.clock.now(), 60)
        settled = await run_pass(beta, world.portal_id, PassOptions(lease_owner="beta"))
        assert settled.writes.adopted == FIRST_CREATE_BATCH
    finally:
        await beta.aclose()
    await assert_exactly_once(world)
