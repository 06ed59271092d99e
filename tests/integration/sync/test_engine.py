"""One pass against both sandboxes: every response becomes exactly one lead, changes follow."""

from __future__ import annotations

import httpx
import pytest

from hhsync.db import accounts, portals, state
from hhsync.db.tables import AccountStatus, RunStatus, SyncStatus, Vacancy
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World


async def test_first_pass_imports_every_response_once_and_an_idle_pass_is_cheap(
    world: World,
) -> None:
    expected = world.hh_negotiations()
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads = world.entities("lead")
    assert len(leads) == expected
    assert first.writes.created == expected
    origin_ids = [lead["ORIGIN_ID"] for lead in leads]
    assert len(set(origin_ids)) == expected
    assert all(lead["ORIGINATOR_ID"] == "hhsync" for lead in leads)
    activities = world.entities("activity")
    assert len(activities) == expected

    idle = await run_pass(world.ctx, world.portal_id)
    assert idle.writes.created == 0
    assert idle.bitrix_requests == 0
    assert idle.vacancies_read == 0
    assert len(world.entities("lead")) == expected
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    assert counts["synced"] == expected


def first_vacancy(world: World) -> str:
    state_ = world.hh_admin("GET", "/_sandbox/state")
    return str(
        next(
            v["id"]
            for v in state_["vacancies"]
            if v["employer_id"] == world.employer_id and not v["archived"]
        )
    )


async def test_new_responses_and_state_changes_follow_on_the_next_pass(world: World) -> None:
    await run_pass(world.ctx, world.portal_id)
    before = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    vacancy = first_vacancy(world)
    added = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    invited = world.hh_admin(
        "POST", "/_sandbox/negotiations", vacancy_id=vacancy, kind="invitation"
    )
    moved_id = next(iter(before))
    world.hh_admin("POST", f"/_sandbox/negotiations/{moved_id}/state", employer_state="interview")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)  # state moves need a reconcile
    report = await run_pass(world.ctx, world.portal_id)
    assert report.writes.created == 2
    after = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    assert set(after) - set(before) == {str(added["id"]), str(invited["id"])}
    assert after[str(invited["id"])]["STATUS_ID"] == "IN_PROCESS"
    assert after[str(added["id"])]["STATUS_ID"] == "NEW"
    assert after[moved_id]["UF_CRM_HH_STATUS"] == "Интервью"
    assert report.writes.updated >= 1


async def test_required_field_keeps_responses_failed_with_the_portal_message_then_retries(
    world: World,
) -> None:
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    expected = world.hh_negotiations()
    report = await run_pass(world.ctx, world.portal_id)
    assert report.writes.created == 0
    assert report.writes.failed == expected
    assert report.writes.failed_by_reason == {"crm_refused": expected}
    assert world.entities("lead") == []
    async with world.ctx.database.session() as session:
        failed = await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED)
    assert len(failed) == expected
    assert all(n.last_error and '"Position"' in n.last_error for n in failed)  # ru portal

    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    world.clock.advance(world.ctx.settings.sync.retry_max_s)
    retried = await run_pass(world.ctx, world.portal_id)
    assert retried.writes.created == expected
    assert len(world.entities("lead")) == expected


async def test_write_that_happened_before_a_500_is_adopted_not_duplicated(world: World) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error_after_write", "status": 500, "path_contains": "batch"},
    )
    expected = world.hh_negotiations()
    first = await run_pass(world.ctx, world.portal_id)
    assert first.writes.outcome_unknown > 0
    written = len(world.entities("lead"))
    assert written == expected  # the portal did write all of them
    world.wait_out_in_flight()
    second = await run_pass(world.ctx, world.portal_id)
    assert second.writes.adopted == first.writes.outcome_unknown
    assert len(world.entities("lead")) == expected
    assert len({lead["ORIGIN_ID"] for lead in world.entities("lead")}) == expected


class SimulatedCrash(BaseException):
    """The process dies right after Bitrix24 answered, before anything is committed."""


async def test_crash_after_the_bitrix_call_before_the_commit_loses_and_duplicates_nothing(
    world: World,
) -> None:
    async def crash_after_batch(response: httpx.Response) -> None:
        if "/rest/batch" in response.request.url.path and response.status_code == 200:
            await response.aread()
            raise SimulatedCrash

    world.ctx.bitrix_http.event_hooks["response"].append(crash_after_batch)
    with pytest.raises(SimulatedCrash):
        await run_pass(world.ctx, world.portal_id)
    world.ctx.bitrix_http.event_hooks["response"].remove(crash_after_batch)
    async with world.ctx.database.session() as session:
        in_flight = await state.list_negotiations(session, world.portal_id, SyncStatus.IN_FLIGHT)
    assert in_flight, "the crashed batch must be remembered as in flight"
    expected = world.hh_negotiations()
    at_once = await run_pass(world.ctx, world.portal_id)
    # Until the lost request can no longer run at the portal, none of it is looked up or resent;
    # only what never went is created.
    assert at_once.writes.adopted == 0
    assert at_once.writes.created == expected - len(in_flight)
    world.wait_out_in_flight()
    recovered = await run_pass(world.ctx, world.portal_id)
    assert recovered.writes.adopted == len(in_flight)
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected


async def test_revoked_hh_account_is_parked_and_the_pass_ends_cleanly(world: World) -> None:
    world.hh_admin("POST", f"/_sandbox/employers/{world.employer_id}/password_changed")
    report = await run_pass(world.ctx, world.portal_id)
    assert report.status == RunStatus.PARTIAL
    assert any("needs a new login" in e for e in report.errors)
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    assert account.status == AccountStatus.NEEDS_REAUTH
    assert world.entities("lead") == []
    skipped = await run_pass(world.ctx, world.portal_id)
    assert skipped.skipped == "no active hh.ru account"


async def test_deleted_resume_becomes_a_marked_entity(world: World) -> None:
    vacancy = first_vacancy(world)
    added = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    world.hh_admin("POST", f"/_sandbox/resumes/{added['resume_id']}/delete")
    await run_pass(world.ctx, world.portal_id)
    lead = next(x for x in world.entities("lead") if x["ORIGIN_ID"] == str(added["id"]))
    assert lead["NAME"] == "Резюме удалено"
    assert "Резюме удалено" in lead["TITLE"]


async def test_a_hostile_name_still_gets_its_pdf_attached_to_the_lead(world: World) -> None:
    """issue 14: a "/" in the name once cut the sandbox's download link and lost the PDF."""
    vacancy = first_vacancy(world)
    hostile = "</script><img src=x onerror=alert(1)>"
    added = world.hh_admin(
        "POST",
        "/_sandbox/negotiations",
        vacancy_id=vacancy,
        hidden_fields=[],
        first_name="a/../b?type=rtf#x%2F",
        last_name=hostile,
    )
    result = await run_pass(world.ctx, world.portal_id)
    assert result.status == RunStatus.OK, result.errors
    lead = next(x for x in world.entities("lead") if x["ORIGIN_ID"] == str(added["id"]))
    assert lead["NAME"] == "a/../b?type=rtf#x%2F"  # the mapping drops the tags, not the PDF
    files = [f for f in world.entities("file") if str(f["owner_id"]) == str(lead["ID"])]
    assert [f["field_name"] for f in files] == ["UF_CRM_HH_RESUME"]
    assert files[0]["size"] > 0


async def test_an_entity_whose_activity_was_not_added_gets_it_on_a_later_pass(world: World) -> None:
    await run_pass(world.ctx, world.portal_id)
    activities_before = len(world.entities("activity"))
    lead = world.entities("lead")[0]
    async with world.ctx.database.session() as session:
        # As recorded when Bitrix24 created the lead but refused its activity.
        row = await state.get_negotiation(session, world.portal_id, lead["ORIGIN_ID"])
        assert row is not None
        row.crm_activity_id = None
        row.sync_status = SyncStatus.FAILED
        row.last_error = "activity not added: crm.activity.configurable.add: refused"
        row.next_retry_at = world.clock.now()
        session.add(row)
    report = await run_pass(world.ctx, world.portal_id)
    assert report.writes.created == 0
    activities = world.entities("activity")
    assert len(activities) == activities_before + 1
    assert str(activities[-1]["OWNER_ID"]) == str(lead["ID"])
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, lead["ORIGIN_ID"])
        assert row is not None
        assert row.sync_status == SyncStatus.SYNCED
        assert row.crm_activity_id is not None
        trail = [e.event for e in await state.audit_trail(session, world.portal_id, row.id)]
    assert "activity.added" in trail


async def save(world: World, changes: dict[str, object]) -> None:
    async with world.ctx.database.session() as session:
        await portals.save_settings(session, world.portal_id, changes, world.clock.now())


async def test_deal_mode_puts_the_applicant_on_a_linked_contact(world: World) -> None:
    await save(world, {"entity_type": "deal", "stage_map": {"response": "NEW"}})
    expected = world.hh_negotiations()
    report = await run_pass(world.ctx, world.portal_id)
    assert report.status == RunStatus.OK, report.errors
    deals = world.entities("deal")
    assert len(deals) == expected
    contacts = {c["ID"]: c for c in world.entities("contact")}
    assert len(contacts) == expected  # one contact per response unless linking is asked for
    for deal in deals:
        assert str(deal["CONTACT_ID"]) in contacts
        assert "NAME" not in deal or not deal["NAME"]


async def test_link_contacts_reuses_one_contact_per_applicant(world: World) -> None:
    await save(world, {"link_contacts": True})
    await run_pass(world.ctx, world.portal_id)
    first = world.entities("lead")[0]
    contact_id = first["CONTACT_ID"]
    assert contact_id
    # the same applicant responds to another vacancy
    lead_row = next(x for x in world.entities("lead") if x["ORIGIN_ID"] == first["ORIGIN_ID"])
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, lead_row["ORIGIN_ID"])
        assert row is not None
        vacancy = await session.get(Vacancy, row.vacancy_id)
    assert vacancy is not None
    other = next(
        v["id"]
        for v in world.hh_admin("GET", "/_sandbox/state")["vacancies"]
        if v["employer_id"] == world.employer_id
        and not v["archived"]
        and str(v["id"]) != vacancy.hh_vacancy_id
    )
    contacts_before = len(world.entities("contact"))
    added = world.hh_admin(
        "POST", "/_sandbox/negotiations", vacancy_id=other, resume_id=row.hh_resume_id
    )
    await run_pass(world.ctx, world.portal_id)
    new_lead = next(x for x in world.entities("lead") if x["ORIGIN_ID"] == str(added["id"]))
    if first.get("PHONE") or first.get("EMAIL"):
        assert new_lead["CONTACT_ID"] == contact_id
        assert len(world.entities("contact")) == contacts_before
