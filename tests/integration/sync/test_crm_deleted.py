"""A lead or deal a person deleted by hand in the CRM, met by the next pass, end to end on real
PostgreSQL and both sandboxes.

Bitrix24 removes a deleted lead or deal with its timeline (b24restdocs crm.lead.delete,
crm.deal.delete); a later ``crm.lead.update`` of its id gets ``Not found`` and a
``crm.activity.configurable.add`` on it ``NOT_FOUND`` (``tests/sandbox/bitrix``,
``test_writes_to_a_deleted_entity_answer_not_found``). The HR team deleted it on purpose: the
negotiation is recorded as deleted in the CRM and audited, the app's log shows it as such, it is
neither created again nor retried, and a new negotiation of the same applicant still syncs.
"""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.db import journal, portals, state
from hhsync.db.tables import Negotiation, SyncStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy

pytestmark = pytest.mark.postgres


def delete_in_crm(world: World, kind: str, entity_id: int | str) -> None:
    """Delete an entity through REST, as the HR team does from its card."""
    tokens = world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/tokens", user_id=1)
    response = world.bitrix.post(
        f"{tokens['client_endpoint']}crm.{kind}.delete.json",
        json={"auth": tokens["access_token"], "id": entity_id},
    )
    assert response.status_code == 200, response.text


async def row_of(world: World, hh_id: str) -> Negotiation:
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, hh_id)
    assert row is not None
    return row


async def trail_of(world: World, row: Negotiation) -> list[tuple[str, dict[str, Any]]]:
    async with world.ctx.database.session() as session:
        trail = await state.audit_trail(session, world.portal_id, row.id)
    return [(e.event, e.detail) for e in reversed(trail)]


def lead_of(world: World, hh_id: str) -> dict[str, Any] | None:
    return next((lead for lead in world.entities("lead") if lead["ORIGIN_ID"] == hh_id), None)


async def deleted_rows(world: World) -> list[str]:
    """hh.ru ids the app page's log lists under «Удалённые в CRM»."""
    async with world.ctx.database.session() as session:
        page = await journal.journal_page(
            session, world.portal_id, statuses=(SyncStatus.CRM_DELETED,), limit=50
        )
    return [row.hh_negotiation_id for row in page.rows]


async def test_a_status_update_meeting_a_deleted_lead_records_it_and_stops_following(
    world: World,
) -> None:
    vacancy_id = first_vacancy(world)
    created = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy_id)
    hh_id, resume_id = str(created["id"]), str(created["resume_id"])
    await run_pass(world.ctx, world.portal_id)
    lead = lead_of(world, hh_id)
    assert lead is not None
    leads_before = len(world.entities("lead"))

    delete_in_crm(world, "lead", lead["ID"])
    # Moving it on hh.ru moves the vacancy's counters: the next pass reads it and writes.
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="interview")
    report = await run_pass(world.ctx, world.portal_id)

    assert not report.errors
    assert report.writes.deleted_in_crm == 1
    assert report.writes.created == 0
    row = await row_of(world, hh_id)
    assert row.sync_status == SyncStatus.CRM_DELETED
    assert row.crm_entity_id == int(lead["ID"])  # kept for the record
    assert row.next_retry_at is None
    events = await trail_of(world, row)
    deleted = [d for e, d in events if e == "entity.deleted_in_crm"]
    assert len(deleted) == 1
    assert deleted[0]["entity_type"] == "lead"
    assert deleted[0]["entity_id"] == int(lead["ID"])
    assert "crm.lead.update" in deleted[0]["error"]
    assert "sync.failed" not in [e for e, _ in events]
    assert await deleted_rows(world) == [hh_id]

    # Neither created again nor written to, whatever hh.ru does next, even on a full reread.
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="offer")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    again = await run_pass(world.ctx, world.portal_id)
    assert not again.errors
    assert lead_of(world, hh_id) is None
    assert len(world.entities("lead")) == leads_before - 1
    assert (await row_of(world, hh_id)).sync_status == SyncStatus.CRM_DELETED
    assert await trail_of(world, row) == events
    assert again.writes.deleted_in_crm == 0

    # The same applicant's new response elsewhere is another negotiation: it syncs as usual.
    state_ = world.hh_admin("GET", "/_sandbox/state")
    other = next(
        str(v["id"])
        for v in state_["vacancies"]
        if v["employer_id"] == world.employer_id
        and not v["archived"]
        and str(v["id"]) != vacancy_id
    )
    fresh = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=other, resume_id=resume_id)
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    third = await run_pass(world.ctx, world.portal_id)
    assert not third.errors
    new_lead = lead_of(world, str(fresh["id"]))
    assert new_lead is not None
    assert (await row_of(world, str(fresh["id"]))).sync_status == SyncStatus.SYNCED
    assert lead_of(world, hh_id) is None


async def test_an_activity_add_meeting_a_deleted_lead_records_it_and_stops_retrying(
    world: World,
) -> None:
    await run_pass(world.ctx, world.portal_id)
    lead = world.entities("lead")[0]
    hh_id = str(lead["ORIGIN_ID"])
    async with world.ctx.database.session() as session:
        # As recorded when Bitrix24 created the lead but refused its activity.
        row = await state.get_negotiation(session, world.portal_id, hh_id)
        assert row is not None
        row.crm_activity_id = None
        row.sync_status = SyncStatus.FAILED
        row.last_error = "activity not added: crm.activity.configurable.add: refused"
        row.next_retry_at = world.clock.now()
        session.add(row)
    delete_in_crm(world, "lead", lead["ID"])
    activities_before = len(world.entities("activity"))

    report = await run_pass(world.ctx, world.portal_id)

    assert not report.errors
    assert report.writes.deleted_in_crm == 1
    assert len(world.entities("activity")) == activities_before
    stored = await row_of(world, hh_id)
    assert stored.sync_status == SyncStatus.CRM_DELETED
    assert stored.crm_activity_id is None
    events = await trail_of(world, stored)
    deleted = [d for e, d in events if e == "entity.deleted_in_crm"]
    assert len(deleted) == 1
    assert "crm.activity.configurable.add" in deleted[0]["error"]
    assert await deleted_rows(world) == [hh_id]

    # The failed activity's retry time passes: nothing is tried again.
    world.clock.advance(3 * 3600)
    again = await run_pass(world.ctx, world.portal_id)
    assert not again.errors
    assert len(world.entities("activity")) == activities_before
    assert lead_of(world, hh_id) is None
    assert await trail_of(world, stored) == events


async def test_a_deal_deleted_in_the_crm_is_recorded_the_same_way(world: World) -> None:
    """b24restdocs crm.deal.delete: the deal goes with its timeline; its contact stays. The next
    status update meets «Not found»: recorded, followed no more, nothing created again."""
    async with world.ctx.database.session() as session:
        await portals.save_settings(
            session,
            world.portal_id,
            {"entity_type": "deal", "stage_map": {"response": "NEW"}},
            world.clock.now(),
        )
    await run_pass(world.ctx, world.portal_id)
    deal = world.entities("deal")[0]
    hh_id = str(deal["ORIGIN_ID"])
    contacts = len(world.entities("contact"))
    delete_in_crm(world, "deal", deal["ID"])
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="interview")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)

    report = await run_pass(world.ctx, world.portal_id)

    assert not report.errors
    assert report.writes.deleted_in_crm == 1
    assert report.writes.created == 0
    row = await row_of(world, hh_id)
    assert row.sync_status == SyncStatus.CRM_DELETED
    deleted = [d for e, d in await trail_of(world, row) if e == "entity.deleted_in_crm"]
    assert [(d["entity_type"], d["entity_id"]) for d in deleted] == [("deal", int(deal["ID"]))]
    assert "crm.deal.update" in deleted[0]["error"]
    assert not [d for d in world.entities("deal") if d["ORIGIN_ID"] == hh_id]
    assert len(world.entities("contact")) == contacts
