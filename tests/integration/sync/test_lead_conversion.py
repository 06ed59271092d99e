"""A portal switched to simple CRM while its «classic» answer was still trusted: the leads written
in that window are followed to the deals the portal made of them.

Real PostgreSQL and both sandboxes over HTTP. The Bitrix24 sandbox converts every lead added in
simple mode into a deal at once, the deal carrying ``LEAD_ID`` but not hhsync's origin, user
fields or contact (b24restdocs ``crm/leads/index.md`` and
``tutorials/crm/how-to-add-crm-objects/how-to-add-objects-with-crm-mode.md``; the sandbox's
strict reading where they are silent). The pass that wrote
the leads asks the mode right after, finds each deal by ``LEAD_ID``, gives it the origin, the
user fields and the contact, and links the row to it; the activity and every later update go to
the deal; a pass cut short anywhere in between creates nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from hhsync.bitrix.crm_mode import CrmMode
from hhsync.bitrix.rest import RetryPolicy
from hhsync.db import lead_checks, leases, state
from hhsync.db.tables import EntityType, RunStatus, SyncStatus
from hhsync.sync import mapping
from hhsync.sync.engine import run_pass
from hhsync.sync.lead_conversion import GIVE_UP_AFTER
from hhsync.sync.options import PassOptions
from hhsync.testing.world import World
from tests.integration.sync.test_activity_once import (
    SimulatedCrash,
    crash_after_batch_with,
    in_flight,
)
from tests.integration.sync.test_crm_deleted import delete_in_crm, row_of, trail_of
from tests.integration.sync.test_engine import first_vacancy

pytestmark = pytest.mark.postgres

DEAL_OWNER = "2"  # crm.enum.ownertype: a deal
MODE_GET = "crm.settings.mode.get"


def _switch_to_simple_within_the_window(world: World) -> set[str]:
    """The portal goes simple; three responses arrive; the clock stays inside the window in
    which the last «classic» answer is trusted."""
    world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/crm-mode", mode=2)
    vacancy = first_vacancy(world)
    return {
        str(world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"])
        for _ in range(3)
    }


def _deals_of(world: World, hh_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Each negotiation's one deal by origin (the test fails on a second)."""
    ours = [
        d
        for d in world.entities("deal")
        if d.get("ORIGINATOR_ID") == mapping.ORIGINATOR_ID and d.get("ORIGIN_ID") in hh_ids
    ]
    counted = Counter(d["ORIGIN_ID"] for d in ours)
    assert counted == Counter(dict.fromkeys(hh_ids, 1)), counted
    return {d["ORIGIN_ID"]: d for d in ours}


async def _assert_followed(
    world: World, hh_ids: set[str], leads_before: int, *, moved: str | None = None
) -> None:
    """Exactly one deal per negotiation, made from its lead, carrying its origin, user fields
    and contact; the row points at it; no deal or lead beyond those."""
    deals = _deals_of(world, hh_ids)
    assert len(world.entities("deal")) == len(hh_ids)  # nothing created twice
    leads = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    assert len(leads) == leads_before + len(hh_ids)
    contacts = [c for c in world.entities("contact") if c.get("ORIGIN_ID") in hh_ids]
    assert Counter(c["ORIGIN_ID"] for c in contacts) == Counter(dict.fromkeys(hh_ids, 1))
    contact_of = {c["ORIGIN_ID"]: str(c["ID"]) for c in contacts}
    async with world.ctx.database.session() as session:
        for hh_id in hh_ids:
            row = await state.get_negotiation(session, world.portal_id, hh_id)
            assert row is not None
            deal = deals[hh_id]
            assert row.crm_entity_type == EntityType.DEAL, row.crm_entity_type
            assert row.crm_entity_id == int(deal["ID"])
            assert str(deal["LEAD_ID"]) == str(leads[hh_id]["ID"])
            assert leads[hh_id]["STATUS_ID"] == "CONVERTED"
            assert deal[mapping.UF_NEGOTIATION_ID] == hh_id
            if hh_id != moved:  # the lead's status field as it was when it was converted
                assert deal[mapping.UF_STATUS] == leads[hh_id][mapping.UF_STATUS]
            assert deal[mapping.UF_VACANCY] == leads[hh_id][mapping.UF_VACANCY]
            assert row.crm_contact_id is not None
            assert str(deal["CONTACT_ID"]) == str(row.crm_contact_id) == contact_of[hh_id]
            assert row.crm_lead_unchecked is False


def _activities_on(world: World, deal_id: Any) -> list[dict[str, Any]]:
    return [
        a
        for a in world.entities("activity")
        if str(a["OWNER_TYPE_ID"]) == DEAL_OWNER and str(a["OWNER_ID"]) == str(deal_id)
    ]


async def test_leads_written_in_the_window_end_as_one_deal_each_and_updates_follow(
    world: World,
) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    new_ids = _switch_to_simple_within_the_window(world)

    window = await run_pass(world.ctx, world.portal_id)
    assert window.status == RunStatus.OK, window.errors
    assert window.writes.created == len(new_ids)  # written as leads: the «classic» answer stood
    await _assert_followed(world, new_ids, leads_before)
    # The mode was asked again at once: a simple-CRM answer is never reused.
    assert world.ctx.crm_modes.heard[world.portal_id][0] is CrmMode.SIMPLE
    assert world.ctx.crm_modes.known(world.portal_id, world.clock.now()) is None

    # The next pass adds each deal's activity and writes nothing as a lead.
    after = await run_pass(world.ctx, world.portal_id)
    assert after.writes.created == 0
    assert len(world.entities("lead")) == leads_before + len(new_ids)
    deals = _deals_of(world, new_ids)
    async with world.ctx.database.session() as session:
        for hh_id, deal in deals.items():
            (activity,) = _activities_on(world, deal["ID"])
            row = await state.get_negotiation(session, world.portal_id, hh_id)
            assert row is not None
            assert row.crm_activity_id == int(activity["ID"])
            assert row.sync_status == SyncStatus.SYNCED, row.last_error

    # A status change on hh.ru lands on the deal, not on the converted lead.
    moved = sorted(new_ids)[0]
    world.hh_admin("POST", f"/_sandbox/negotiations/{moved}/state", employer_state="interview")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)  # state moves need a reconcile
    updated = await run_pass(world.ctx, world.portal_id)
    assert updated.writes.updated >= 1
    assert _deals_of(world, new_ids)[moved][mapping.UF_STATUS] == "Интервью"
    (lead,) = [lead for lead in world.entities("lead") if lead["ORIGIN_ID"] == moved]
    assert lead[mapping.UF_STATUS] != "Интервью"
    await _assert_followed(world, new_ids, leads_before, moved=moved)


async def test_a_pass_cut_short_after_the_deals_were_written_follows_them_once(
    world: World,
) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    new_ids = _switch_to_simple_within_the_window(world)

    # The deals get the origin, then the pass dies before the rows are relinked: they were
    # committed in flight before the write went, and wait until it can no longer run.
    await crash_after_batch_with(world, "crm.deal.update")
    _deals_of(world, new_ids)
    async with world.ctx.database.session() as session:
        rows = [await state.get_negotiation(session, world.portal_id, h) for h in new_ids]
    assert {row.crm_entity_type for row in rows if row is not None} == {EntityType.LEAD}
    assert sorted(await in_flight(world)) == sorted(new_ids)

    world.wait_out_in_flight()
    again = await run_pass(world.ctx, world.portal_id)
    assert again.status == RunStatus.OK, again.errors
    assert again.writes.created == 0
    await _assert_followed(world, new_ids, leads_before)


async def test_a_pass_cut_short_before_the_mode_was_asked_follows_the_leads_next_time(
    world: World,
) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    new_ids = _switch_to_simple_within_the_window(world)

    # The create batch lands, then the process dies before its answer is recorded: the leads
    # (converted by the portal) are known only by their origin, and the mode is not asked.
    await crash_after_batch_with(world, "crm.lead.add")
    assert sorted(await in_flight(world)) == sorted(new_ids)
    assert len(world.entities("deal")) == len(new_ids)

    world.wait_out_in_flight()  # whatever had no recorded outcome may be looked up now
    again = await run_pass(world.ctx, world.portal_id)
    assert again.status == RunStatus.OK, again.errors
    assert again.writes.created == 0  # adopted by origin (the lead), then followed
    await _assert_followed(world, new_ids, leads_before)


async def test_an_answer_lost_after_the_follow_wrote_makes_one_contact_and_deal_per_origin(
    world: World,
) -> None:
    """The follow's write (the contact made from the lead, the deal's update) is marked in flight
    before it goes; the portal writes it and answers 504 (b24restdocs «Limits»: a request runs
    on at the portal after its client is gone). A pass at once neither looks the leads up nor
    writes for them; after the in-flight hold the contact is found by its origin and the deal by
    ``LEAD_ID`` (ours first): one of each per negotiation."""
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    new_ids = _switch_to_simple_within_the_window(world)
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error_after_write", "status": 504, "path_contains": "crm.contact.add"},
    )

    lost = await run_pass(world.ctx, world.portal_id)
    assert lost.writes.outcome_unknown == len(new_ids)
    assert sorted(await in_flight(world)) == sorted(new_ids)
    made = [c for c in world.entities("contact") if c.get("ORIGIN_ID") in new_ids]
    assert len(made) == len(new_ids)  # the portal did write them

    at_once = await run_pass(world.ctx, world.portal_id)
    assert at_once.status == RunStatus.OK, at_once.errors
    assert at_once.bitrix_requests == 0  # neither looked up nor written while it may still run
    assert sorted(await in_flight(world)) == sorted(new_ids)

    world.wait_out_in_flight()
    settled = await run_pass(world.ctx, world.portal_id)
    assert settled.status == RunStatus.OK, settled.errors
    assert settled.writes.created == 0
    await _assert_followed(world, new_ids, leads_before)


async def test_a_follow_whose_lease_ended_writes_nothing_and_the_new_holder_follows(
    world: World,
) -> None:
    """The follow's write passes the lease fence in the transaction that marks it in flight: a
    pass whose lease another instance holds now sends nothing; the holder follows the leads."""
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    new_ids = _switch_to_simple_within_the_window(world)
    await crash_when_the_mode_is_asked(world)  # the leads are written, none followed
    assert {c.get("ORIGIN_ID") for c in world.entities("contact")}.isdisjoint(new_ids)

    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(session, "beta", world.portal_id, world.clock.now(), 60)
    stale = await run_pass(world.ctx, world.portal_id, PassOptions(lease_owner="alpha"))
    assert stale.status == RunStatus.FAILED
    assert any("lease" in e for e in stale.errors), stale.errors
    assert {c.get("ORIGIN_ID") for c in world.entities("contact")}.isdisjoint(new_ids)
    assert not await in_flight(world)  # the marking was rolled back with the fence

    held = await run_pass(world.ctx, world.portal_id, PassOptions(lease_owner="beta"))
    assert held.status == RunStatus.OK, held.errors
    await _assert_followed(world, new_ids, leads_before)


async def crash_when_the_mode_is_asked(world: World) -> None:
    """Run a pass that dies when it asks the portal's CRM mode (after its lead writes)."""

    async def crash(request: httpx.Request) -> None:
        if MODE_GET in request.url.path:
            raise SimulatedCrash

    hooks: list[Callable[[httpx.Request], Awaitable[None]]] = world.ctx.bitrix_http.event_hooks[
        "request"
    ]
    hooks.append(crash)
    try:
        with pytest.raises(SimulatedCrash):
            await run_pass(world.ctx, world.portal_id)
    finally:
        hooks.remove(crash)


async def test_a_passing_failure_of_the_mode_defers_the_follow_and_the_pass_goes_on(
    world: World,
) -> None:
    """``crm.settings.mode.get`` answers 500 (to every try the client makes of that read):
    the follow is deferred, the pass reads hh.ru, stores and writes the new responses; the next
    pass follows every lead (b24restdocs ``crm/crm-settings-mode-get.md``; a 5xx is a passing
    failure, b24restdocs «Errors»)."""
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    earlier = _switch_to_simple_within_the_window(world)
    await crash_when_the_mode_is_asked(world)  # unchecked lead rows are left
    async with world.ctx.database.session() as session:
        unchecked = await lead_checks.unchecked_leads(session, world.portal_id, world.clock.now())
    assert {r.hh_negotiation_id for r in unchecked} == earlier

    vacancy = first_vacancy(world)
    later = {
        str(world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"])
        for _ in range(2)
    }
    # Both asks of this pass (before and after the account's writes) fail.
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error", "status": 500, "path_contains": MODE_GET},
        times=2 * RetryPolicy().attempts,
    )
    deferred = await run_pass(world.ctx, world.portal_id)
    assert deferred.status == RunStatus.PARTIAL, deferred.errors  # said, not stopped
    assert [e for e in deferred.errors if e.startswith("following converted leads")]
    assert deferred.writes.created == len(later)  # stored and written as leads meanwhile
    async with world.ctx.database.session() as session:
        for hh_id in earlier | later:
            row = await state.get_negotiation(session, world.portal_id, hh_id)
            assert row is not None
            assert (row.crm_entity_type, row.crm_lead_unchecked) == (EntityType.LEAD, True)

    followed = await run_pass(world.ctx, world.portal_id)
    assert followed.status == RunStatus.OK, followed.errors
    await _assert_followed(world, earlier | later, leads_before)


async def test_a_lead_deleted_ends_the_row_and_a_deal_that_never_shows_is_given_up(
    world: World,
) -> None:
    """A person deletes a converted lead and its deal: ``crm.lead.get`` answers «Not found»
    and ``crm.deal.list`` by ``LEAD_ID`` nothing (b24restdocs ``crm/leads/crm-lead-get.md``,
    ``crm/deals/crm-deal-delete.md``), so the row is deleted in the CRM, final. A person deletes
    only the deal of another: its lead shows ``CONVERTED`` with no deal, which the follow looks
    for each pass until a day has gone by, then gives up with an audit line, the row as it was."""
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    new_ids = _switch_to_simple_within_the_window(world)
    await crash_when_the_mode_is_asked(world)
    gone, dealless, *rest = sorted(new_ids)
    leads = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    deal_of = {str(d["LEAD_ID"]): d for d in world.entities("deal")}
    delete_in_crm(world, "deal", deal_of[str(leads[gone]["ID"])]["ID"])
    delete_in_crm(world, "lead", leads[gone]["ID"])
    delete_in_crm(world, "deal", deal_of[str(leads[dealless]["ID"])]["ID"])

    followed = await run_pass(world.ctx, world.portal_id)
    assert followed.status == RunStatus.OK, followed.errors
    assert (await row_of(world, gone)).sync_status == SyncStatus.CRM_DELETED
    waiting = await row_of(world, dealless)
    assert (waiting.crm_entity_type, waiting.crm_lead_unchecked) == (EntityType.LEAD, True)
    for hh_id in rest:
        assert (await row_of(world, hh_id)).crm_entity_type == EntityType.DEAL

    world.clock.advance(GIVE_UP_AFTER.total_seconds())
    given_up = await run_pass(world.ctx, world.portal_id)
    assert given_up.status == RunStatus.OK, given_up.errors
    row = await row_of(world, dealless)
    assert (row.crm_entity_type, row.crm_entity_id, row.sync_status) == (
        waiting.crm_entity_type,
        waiting.crm_entity_id,
        waiting.sync_status,
    )
    assert row.crm_lead_unchecked is False
    events = [event for event, _ in await trail_of(world, row)]
    assert "lead.follow_given_up" in events
    async with world.ctx.database.session() as session:
        assert not await lead_checks.unchecked_leads(session, world.portal_id, world.clock.now())
