"""Exactly one timeline activity per lead, whatever crashes or unknown outcomes interrupt a pass.

An activity travels in the create batch with its lead, or alone when it was refused earlier. When
the answer to either batch is lost (a crash after the portal answered, a 500 after the write), the
next pass looks the activity up by its originatorId/originId on the lead and records it instead of
adding a second one; an activity that really is missing is added once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
import pytest

from hhsync.db import state
from hhsync.db.tables import RunStatus, SyncStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World

ADD_ACTIVITY = "crm.activity.configurable.add"


class SimulatedCrash(BaseException):
    """The process dies right after Bitrix24 answered, before anything is committed."""


def activities_per_lead(world: World) -> Counter[str]:
    """How many activities each lead carries, as the portal shows them."""
    return Counter(
        str(a["OWNER_ID"]) for a in world.entities("activity") if str(a["OWNER_TYPE_ID"]) == "1"
    )


async def assert_one_activity_per_lead_recorded(world: World) -> None:
    """Every lead has exactly one activity, and the database links each lead to that activity."""
    leads = world.entities("lead")
    assert len(leads) == world.hh_negotiations()
    assert activities_per_lead(world) == Counter({str(lead["ID"]): 1 for lead in leads})
    activity_of = {str(a["OWNER_ID"]): int(a["ID"]) for a in world.entities("activity")}
    async with world.ctx.database.session() as session:
        for lead in leads:
            row = await state.get_negotiation(session, world.portal_id, lead["ORIGIN_ID"])
            assert row is not None
            assert row.sync_status == SyncStatus.SYNCED, (row.hh_negotiation_id, row.last_error)
            assert row.crm_entity_id == int(lead["ID"])
            assert row.crm_activity_id == activity_of[str(lead["ID"])]


async def assert_status_written_after_adoption(world: World, adopted: int) -> None:
    """An adopted lead whose status field already shows its state is recorded as showing it; the
    next pass writes the others' (a label hh.ru names otherwise), in one batch, and touches
    nothing else."""
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, world.portal_id)
    unwritten = [r for r in rows if r.crm_entity_id is not None and r.hh_status_set is None]
    assert len(unwritten) < adopted  # the lookup read the status field too
    written = await run_pass(world.ctx, world.portal_id)
    assert written.writes.updated == len(unwritten)
    assert written.writes.created == 0
    assert written.bitrix_requests == (1 if unwritten else 0)
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, world.portal_id)
    assert all(r.hh_status_set == r.employer_state for r in rows)


async def assert_idle(world: World) -> None:
    """A pass with nothing new makes no Bitrix24 request and changes nothing."""
    before = activities_per_lead(world)
    idle = await run_pass(world.ctx, world.portal_id)
    assert idle.status == RunStatus.OK, idle.errors
    assert idle.bitrix_requests == 0
    assert activities_per_lead(world) == before


async def crash_after_batch_with(world: World, method: str) -> None:
    """Run a pass that dies right after the first successful batch carrying ``method``."""

    async def crash(response: httpx.Response) -> None:
        request = response.request
        batch = "/rest/batch" in request.url.path and response.status_code == 200
        if batch and method in request.content.decode():
            await response.aread()
            raise SimulatedCrash

    hooks: list[Callable[[httpx.Response], Awaitable[None]]] = world.ctx.bitrix_http.event_hooks[
        "response"
    ]
    hooks.append(crash)
    try:
        with pytest.raises(SimulatedCrash):
            await run_pass(world.ctx, world.portal_id)
    finally:
        hooks.remove(crash)


async def in_flight(world: World) -> list[str]:
    """The negotiations whose last write has no recorded outcome."""
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, world.portal_id, SyncStatus.IN_FLIGHT)
    return [row.hh_negotiation_id for row in rows]


def delete_activities_of(world: World, lead_ids: list[str]) -> None:
    """Remove the leads' activities through REST, as if the portal had never kept them."""
    tokens = world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/tokens", user_id=1)
    for activity in world.entities("activity"):
        if str(activity["OWNER_ID"]) in lead_ids:
            response = world.bitrix.post(
                f"{tokens['client_endpoint']}crm.activity.delete.json",
                json={"auth": tokens["access_token"], "id": activity["ID"]},
            )
            assert response.status_code == 200, response.text


async def refuse_activities(world: World, count: int) -> list[str]:
    """``count`` leads whose activity the portal refused: none in the CRM, recorded as failed."""
    await run_pass(world.ctx, world.portal_id)
    leads = world.entities("lead")[:count]
    delete_activities_of(world, [str(lead["ID"]) for lead in leads])
    async with world.ctx.database.session() as session:
        for lead in leads:
            row = await state.get_negotiation(session, world.portal_id, lead["ORIGIN_ID"])
            assert row is not None
            # As recorded when Bitrix24 created the lead but refused its activity.
            row.crm_activity_id = None
            row.sync_status = SyncStatus.FAILED
            row.last_error = f"activity not added: {ADD_ACTIVITY}: refused"
            row.next_retry_at = world.clock.now()
            session.add(row)
    return [str(lead["ORIGIN_ID"]) for lead in leads]


async def test_crash_after_the_create_batch_adopts_each_lead_with_its_activity(
    world: World,
) -> None:
    await crash_after_batch_with(world, "crm.lead.add")
    unknown = await in_flight(world)
    assert unknown, "the crashed batch must be remembered as in flight"
    assert len(world.entities("activity")) >= len(unknown)  # the portal did add them

    world.wait_out_in_flight()
    recovered = await run_pass(world.ctx, world.portal_id)
    await assert_one_activity_per_lead_recorded(world)
    assert recovered.writes.adopted == len(unknown)
    assert recovered.writes.activities_adopted == len(unknown)
    await assert_status_written_after_adoption(world, len(unknown))
    await assert_idle(world)


async def test_500_after_the_create_batch_adopts_each_lead_with_its_activity(
    world: World,
) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error_after_write", "status": 500, "path_contains": "crm.lead.add"},
    )
    first = await run_pass(world.ctx, world.portal_id)
    assert first.writes.outcome_unknown > 0
    assert len(world.entities("activity")) == world.hh_negotiations()  # all written

    world.wait_out_in_flight()
    second = await run_pass(world.ctx, world.portal_id)
    await assert_one_activity_per_lead_recorded(world)
    assert second.writes.adopted == first.writes.outcome_unknown
    assert second.writes.activities_adopted == first.writes.outcome_unknown
    await assert_status_written_after_adoption(world, first.writes.outcome_unknown)
    await assert_idle(world)


async def test_lead_adopted_without_its_activity_gets_exactly_one_added(world: World) -> None:
    await crash_after_batch_with(world, "crm.lead.add")
    unknown = await in_flight(world)
    # The lost batch created these leads but not their activities.
    bare = {str(lead["ID"]) for lead in world.entities("lead") if lead["ORIGIN_ID"] in unknown[:2]}
    delete_activities_of(world, list(bare))

    world.wait_out_in_flight()
    recovered = await run_pass(world.ctx, world.portal_id)
    assert recovered.writes.adopted == len(unknown)
    assert recovered.writes.activities_adopted == len(unknown) - 2
    counts = activities_per_lead(world)
    assert all(counts[lead_id] == 0 for lead_id in bare)
    async with world.ctx.database.session() as session:
        pending = await state.list_negotiations(session, world.portal_id, SyncStatus.PENDING)
    assert sorted(row.hh_negotiation_id for row in pending) == sorted(unknown[:2])

    completed = await run_pass(world.ctx, world.portal_id)
    assert completed.writes.created == 0
    await assert_one_activity_per_lead_recorded(world)
    await assert_idle(world)


async def test_crash_after_an_activity_batch_records_the_added_activities_once(
    world: World,
) -> None:
    refused = await refuse_activities(world, 3)

    await crash_after_batch_with(world, ADD_ACTIVITY)
    assert sorted(await in_flight(world)) == sorted(refused)
    assert len(world.entities("activity")) == world.hh_negotiations()  # the portal added them

    world.wait_out_in_flight()
    recovered = await run_pass(world.ctx, world.portal_id)
    await assert_one_activity_per_lead_recorded(world)
    assert recovered.writes.activities_adopted == len(refused)
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, refused[0])
        assert row is not None
        trail = [e.event for e in await state.audit_trail(session, world.portal_id, row.id)]
    assert trail[0] == "activity.adopted", trail
    await assert_idle(world)


async def test_500_after_an_activity_batch_records_the_added_activities_once(
    world: World,
) -> None:
    refused = await refuse_activities(world, 3)
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error_after_write", "status": 500, "path_contains": ADD_ACTIVITY},
    )
    retried = await run_pass(world.ctx, world.portal_id)
    assert retried.writes.outcome_unknown == len(refused)
    assert sorted(await in_flight(world)) == sorted(refused)

    world.wait_out_in_flight()
    recovered = await run_pass(world.ctx, world.portal_id)
    await assert_one_activity_per_lead_recorded(world)
    assert recovered.writes.activities_adopted == len(refused)
    await assert_idle(world)


async def test_a_refused_activity_is_added_once_without_a_lookup(world: World) -> None:
    refused = await refuse_activities(world, 2)
    retried = await run_pass(world.ctx, world.portal_id)
    # its outcome was known (refused): one batch of adds, no lookup first
    assert retried.writes.activities_adopted == 0
    assert retried.writes.commands == len(refused)
    assert retried.bitrix_requests == 1
    await assert_one_activity_per_lead_recorded(world)
    await assert_idle(world)


async def test_an_update_recorded_before_a_crash_keeps_the_activity_lookup_due(
    world: World,
) -> None:
    refused = await refuse_activities(world, 3)
    await crash_after_batch_with(world, ADD_ACTIVITY)
    world.wait_out_in_flight()
    for hh_id in refused:
        world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="interview")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)  # state moves need a reconcile

    # The status updates are written and recorded, then the pass dies after the lookup batch.
    await crash_after_batch_with(world, "crm.activity.list")
    assert {
        lead["UF_CRM_HH_STATUS"] for lead in world.entities("lead") if lead["ORIGIN_ID"] in refused
    } == {"Интервью"}
    assert sorted(await in_flight(world)) == sorted(refused)

    world.wait_out_in_flight()
    recovered = await run_pass(world.ctx, world.portal_id)
    await assert_one_activity_per_lead_recorded(world)
    assert recovered.writes.activities_adopted == len(refused)
    await assert_idle(world)
