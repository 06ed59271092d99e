"""The settings page switches lead/deal and the deal pipeline in one click, while negotiations are
in flight, failed without an entity, or older than the portal's row: one entity each still.

Real PostgreSQL and both sandboxes over HTTP. The switch is saved the way the settings route saves
it (``db/portals.save_settings``, then ``db/retries.retry_all_failed``, which makes every
failure due at once). The Bitrix24 sandbox's ``error_after_write`` fault runs a batch and then
answers 500, so its creates land with no recorded outcome (invariant 1); it refuses a stage of
another pipeline and a lead status that is not in the ``STATUS`` directory, as a portal does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from hhsync.db import portals, retries, state
from hhsync.db.portal_store import PortalStore
from hhsync.db.tables import EntityType, Negotiation, RunStatus, StageMode, SyncStatus
from hhsync.model.backoff import Backoff
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync import sync_oracle as oracle
from tests.integration.sync.test_adopt_unrecorded import store_portal_anew
from tests.integration.sync.test_engine import first_vacancy

pytestmark = pytest.mark.postgres

DEALS_IN_PIPELINE_1: dict[str, Any] = {
    "entity_type": EntityType.DEAL.value,
    "category_id": 1,
    "stage_mode": StageMode.EXTENDED.value,
    "stage_map": {
        "response": "C1:NEW",
        "invitation": "C1:PREPARATION",
        "consider": "C1:PREPARATION",
        "interview": "C1:EXECUTING",
        "discard_by_employer": "C1:LOSE",
    },
}
DEALS_IN_PIPELINE_0: dict[str, Any] = {
    "entity_type": EntityType.DEAL.value,
    "category_id": 0,
    "stage_mode": StageMode.EXTENDED.value,
    "stage_map": {
        "response": "NEW",
        "invitation": "PREPARATION",
        "consider": "PREPARATION",
        "interview": "EXECUTING",
        "discard_by_employer": "LOSE",
    },
}
LEADS_EXTENDED: dict[str, Any] = {
    "entity_type": EntityType.LEAD.value,
    "category_id": None,
    "stage_mode": StageMode.EXTENDED.value,
    "stage_map": {
        "response": "NEW",
        "invitation": "IN_PROCESS",
        "consider": "IN_PROCESS",
        "interview": "PROCESSED",
        "discard_by_employer": "JUNK",
    },
}


async def switch(world: World, changes: dict[str, Any], portal_id: int | None = None) -> None:
    """What «Сохранить» does on the settings page: save, then make every failure due now."""
    portal = world.portal_id if portal_id is None else portal_id
    now = world.clock.now()
    async with world.ctx.database.session() as session:
        await portals.save_settings(session, portal, changes, now)
        await retries.retry_all_failed(session, portal, now, asked_by=retries.AskedBy.SETTINGS)


def drop_the_answer_of_the_next(world: World, method: str) -> None:
    """The next batch calling ``method`` runs, and its answer is lost (a 500 after the write)."""
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error_after_write", "status": 500, "path_contains": method},
    )


async def rows(world: World, portal_id: int | None = None) -> dict[str, Negotiation]:
    portal = world.portal_id if portal_id is None else portal_id
    async with world.ctx.database.session() as session:
        stored = await state.list_negotiations(session, portal)
    return {r.hh_negotiation_id: r for r in stored}


async def trail(world: World, row: Negotiation) -> list[tuple[str, dict[str, Any]]]:
    async with world.ctx.database.session() as session:
        events = await state.audit_trail(session, world.portal_id, row.id)
    return [(e.event, dict(e.detail or {})) for e in events]


def by_origin(world: World, kind: str) -> dict[str, dict[str, Any]]:
    entities = world.entities(kind)
    origins = Counter(str(e["ORIGIN_ID"]) for e in entities)
    twice = sorted(o for o, n in origins.items() if n > 1)
    assert not twice, f"{kind}s made twice for {twice}"
    return {str(e["ORIGIN_ID"]): e for e in entities}


async def assert_one_entity_each(world: World, portal_id: int | None = None) -> None:
    """Every negotiation has exactly one lead or deal, and its row names that very entity."""
    leads, deals = by_origin(world, "lead"), by_origin(world, "deal")
    assert not set(leads) & set(deals), "a negotiation has both a lead and a deal"
    stored = await rows(world, portal_id)
    for hh_id, row in stored.items():
        kind, entity = ("lead", leads[hh_id]) if hh_id in leads else ("deal", deals.get(hh_id))
        assert entity is not None, f"negotiation {hh_id} has no entity"
        assert (row.crm_entity_type, row.crm_entity_id) == (kind, int(entity["ID"]))
        assert row.sync_status == SyncStatus.SYNCED, (hh_id, row.last_error)
    activities = Counter(
        (str(a["OWNER_TYPE_ID"]), str(a["OWNER_ID"])) for a in world.entities("activity")
    )
    owners = {("1", str(e["ID"])) for e in leads.values()} | {
        ("2", str(e["ID"])) for e in deals.values()
    }
    assert activities == Counter(owners), "not one activity per entity"


async def test_a_lead_whose_create_went_unanswered_is_adopted_after_the_switch_to_deals(
    world: World,
) -> None:
    drop_the_answer_of_the_next(world, "crm.lead.add")
    first = await run_pass(world.ctx, world.portal_id)
    unknown = first.writes.outcome_unknown
    assert unknown > 0
    in_flight = {k for k, r in (await rows(world)).items() if r.sync_status == "in_flight"}
    assert len(in_flight) == unknown
    assert set(by_origin(world, "lead")) >= in_flight  # they landed, nobody recorded them

    await switch(world, DEALS_IN_PIPELINE_1)
    world.wait_out_in_flight()
    fresh = str(
        world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=first_vacancy(world))["id"]
    )
    after = await run_pass(world.ctx, world.portal_id)

    assert after.status == RunStatus.OK, after.errors
    assert after.writes.adopted == unknown
    assert after.writes.created == 1  # only the response that came after the switch
    assert set(by_origin(world, "deal")) == {fresh}
    deal = by_origin(world, "deal")[fresh]
    assert (deal["CATEGORY_ID"], deal["STAGE_ID"]) == ("1", "C1:NEW")
    stored = await rows(world)
    for hh_id in in_flight:
        assert stored[hh_id].crm_entity_type == EntityType.LEAD  # what it is, not what is saved
    await assert_one_entity_each(world)


async def test_failed_creates_after_the_switch_adopt_what_landed_and_create_what_did_not(
    world: World,
) -> None:
    """Two kinds of failure without an entity: a lookup refused after an unanswered create (the
    lead is there), and a create the portal refused (nothing is there)."""
    drop_the_answer_of_the_next(world, "crm.lead.add")
    first = await run_pass(world.ctx, world.portal_id)
    assert first.writes.outcome_unknown > 0
    landed = {k for k, r in (await rows(world)).items() if r.sync_status == "in_flight"}
    world.wait_out_in_flight()
    async with world.ctx.database.session() as session:
        sync = world.ctx.settings.sync
        backoff = Backoff(sync.retry_base_s, sync.retry_max_s)
        store = PortalStore(session, world.portal_id, now=world.clock.now(), backoff=backoff)
        for hh_id in landed:  # what a refused lookup records (sync/apply/adoption.py)
            await store.record_failed(
                hh_id, "looking up an earlier create: crm.lead.list: QUERY_LIMIT_EXCEEDED"
            )
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    vacancy = first_vacancy(world)
    refused = {
        str(world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"])
        for _ in range(2)
    }
    second = await run_pass(world.ctx, world.portal_id)
    stored = await rows(world)
    assert {k for k, r in stored.items() if r.sync_status == "failed"} == landed | refused
    assert all(stored[k].crm_entity_id is None for k in landed | refused)
    assert second.writes.created == 0

    await switch(world, DEALS_IN_PIPELINE_1)  # makes every failure due at once
    after = await run_pass(world.ctx, world.portal_id)

    assert after.status == RunStatus.OK, after.errors
    assert after.writes.adopted == len(landed)
    assert after.writes.created == len(refused)
    assert set(by_origin(world, "deal")) == refused
    stored = await rows(world)
    assert {stored[k].crm_entity_type for k in landed} == {EntityType.LEAD}
    assert {stored[k].crm_entity_type for k in refused} == {EntityType.DEAL}
    await assert_one_entity_each(world)


async def test_leads_of_an_earlier_installation_are_adopted_by_a_portal_saved_for_deals(
    world: World,
) -> None:
    """The app removed with its data, installed again and saved for deals: the leads the first
    installation made are looked up among leads too, never made again as deals."""
    elsewhere = await run_pass(world.ctx, world.portal_id)
    imported = elsewhere.writes.created
    assert imported == world.hh_negotiations()
    portal_id = await store_portal_anew(world)
    await switch(world, DEALS_IN_PIPELINE_1, portal_id)
    first = await run_pass(world.ctx, portal_id)
    assert first.status == RunStatus.OK, first.errors
    assert first.writes.adopted == imported
    assert first.writes.created == 0
    assert world.entities("deal") == []
    stored = await rows(world, portal_id)
    assert {r.crm_entity_type for r in stored.values()} == {EntityType.LEAD}
    settled = await run_pass(world.ctx, portal_id)  # the status fields they lack are written
    assert settled.writes.created == 0
    assert world.entities("deal") == []
    await assert_one_entity_each(world, portal_id)


def a_fresh_response(world: World, kind: str) -> str:
    """A negotiation whose entity shows «Отклик»: moving it on hh.ru moves its vacancy's
    counters, so the next pass reads it."""
    return next(
        hh_id
        for hh_id, entity in by_origin(world, kind).items()
        if entity.get("UF_CRM_HH_STATUS") in oracle.status_labels("response")
    )


@pytest.mark.parametrize(
    ("before", "kind", "stage_field", "reason"),
    [
        (DEALS_IN_PIPELINE_0, "deal", "STAGE_ID", "pipeline"),
        (LEADS_EXTENDED, "lead", "STATUS_ID", "entity_type"),
    ],
    ids=["deals-of-pipeline-0", "leads"],
)
async def test_after_a_switch_to_pipeline_1_existing_entities_follow_hh_in_their_status_field(
    world: World, before: dict[str, Any], kind: str, stage_field: str, reason: str
) -> None:
    await switch(world, before)
    imported = await run_pass(world.ctx, world.portal_id)
    assert imported.status == RunStatus.OK, imported.errors
    hh_id = a_fresh_response(world, kind)
    shown_before = by_origin(world, kind)[hh_id]

    await switch(world, DEALS_IN_PIPELINE_1)
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="interview")
    followed = await run_pass(world.ctx, world.portal_id)

    assert followed.status == RunStatus.OK, followed.errors
    assert followed.writes.failed == 0
    entity = by_origin(world, kind)[hh_id]
    assert entity["UF_CRM_HH_STATUS"] in oracle.status_labels("interview")
    assert entity[stage_field] == shown_before[stage_field]  # its own pipeline's stage stays
    assert entity.get("CATEGORY_ID") == shown_before.get("CATEGORY_ID")
    row = (await rows(world))[hh_id]
    assert row.sync_status == SyncStatus.SYNCED
    assert row.hh_status_set == "interview"
    assert row.crm_stage_set == shown_before[stage_field]
    not_moved = [detail for event, detail in await trail(world, row) if event == "stage.not_moved"]
    assert not_moved == [
        {
            "wanted": "C1:EXECUTING",
            "reason": reason,
            "entity_type": kind,
            "stage": shown_before[stage_field],
        }
    ]
    assert world.entities("deal" if kind == "lead" else "lead") == []

    # A response after the switch becomes a deal of pipeline 1 and moves within it.
    fresh = str(
        world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=first_vacancy(world))["id"]
    )
    await run_pass(world.ctx, world.portal_id)
    assert by_origin(world, "deal")[fresh]["STAGE_ID"] == "C1:NEW"
    world.hh_admin("POST", f"/_sandbox/negotiations/{fresh}/state", employer_state="interview")
    moved = await run_pass(world.ctx, world.portal_id)
    assert moved.writes.failed == 0
    assert by_origin(world, "deal")[fresh]["STAGE_ID"] == "C1:EXECUTING"
    await assert_one_entity_each(world)
