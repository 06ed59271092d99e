"""State changes made outside hhsync reach the CRM at the first pass after one watch period, on
real PostgreSQL and both sandboxes over HTTP.

hh.ru's vacancy counters are statistics that need not move when the employer moves a
negotiation (hh.ru OpenAPI spec, ``NegotiationsObjectsEmployerCounters``; the sandbox freezes
them with ``scope: vacancy``), while each collection's ``counters.total`` counts its members
(``NegotiationsObjectsStates``). So every vacancy is watched once per
``sync.state_watch_period_s`` (ARCHITECTURE.md "Counters and the reconcile"): the employer's move
on the website, the applicant's withdrawal, an invitation of a response and a move to another
vacancy each arrive then, long before the reconcile.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select, update

from hhsync.db import state
from hhsync.db.tables import Negotiation, Vacancy
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy
from tests.integration.sync.test_invited_kind import invited_response
from tests.integration.sync.test_new_states import leads_by_origin, respond
from tests.integration.sync.test_settings_switch import LEADS_EXTENDED, switch

pytestmark = pytest.mark.postgres


def freeze_vacancy_counters(world: World, vacancy_id: str) -> None:
    """The vacancy's own counters stop moving; its collections' totals keep counting."""
    world.hh_admin(
        "POST", f"/_sandbox/vacancies/{vacancy_id}/counters", mode="frozen", scope="vacancy"
    )


def watch_period(world: World) -> float:
    return world.ctx.settings.sync.state_watch_period_s


def hh_requests(world: World) -> list[dict[str, Any]]:
    """The hh.ru sandbox's request log since it was last cleared."""
    items: list[dict[str, Any]] = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return items


async def imported_response(world: World, vacancy_id: str) -> str:
    """A new response on ``vacancy_id``, in the CRM with hh.ru's «Отклик» once this returns,
    and the vacancy's own counters frozen from then on."""
    hh_id = respond(world, vacancy_id)
    report = await run_pass(world.ctx, world.portal_id)
    assert not report.errors
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == "Отклик"
    freeze_vacancy_counters(world, vacancy_id)
    return hh_id


async def status_after_a_watch_period(world: World, hh_id: str) -> dict[str, Any]:
    """The lead of ``hh_id`` after a pass at once (not watched yet: unchanged) and the first
    pass one watch period later."""
    before = leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"]
    early = await run_pass(world.ctx, world.portal_id)
    assert not early.errors
    assert early.vacancies_read == 0  # watched within the period, counters still: no request
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == before
    world.clock.advance(watch_period(world))
    watched = await run_pass(world.ctx, world.portal_id)
    assert not watched.errors
    return leads_by_origin(world)[hh_id]


async def test_an_employer_move_on_the_website_arrives_after_one_watch_period(
    world: World,
) -> None:
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="discard_by_employer"
    )

    lead = await status_after_a_watch_period(world, hh_id)

    assert lead["UF_CRM_HH_STATUS"] == "Отказано"
    assert lead["STATUS_ID"] == "JUNK"
    assert len(leads_by_origin(world)) == world.hh_negotiations()


async def test_a_withdrawal_arrives_after_one_watch_period(world: World) -> None:
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/withdraw")

    lead = await status_after_a_watch_period(world, hh_id)

    assert lead["UF_CRM_HH_STATUS"] == "Отказ соискателя"
    assert lead["STATUS_ID"] == "JUNK"


async def test_an_invitation_of_a_response_arrives_after_one_watch_period_as_a_response(
    world: World,
) -> None:
    """The employer invites with a message, so the applicant's side turns ``invitation``; the
    stored kind (a response) does not flip (``sync/negotiation_kind.py``)."""
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{hh_id}/state",
        employer_state="interview",
        message="Приглашаем на интервью",
    )

    lead = await status_after_a_watch_period(world, hh_id)

    assert lead["UF_CRM_HH_STATUS"] == "Интервью"
    assert lead["STATUS_ID"] == "PROCESSED"
    assert lead["COMMENTS"].startswith("Отклик")
    async with world.ctx.database.session() as session:
        kinds = await state.stored_kinds(session, world.portal_id, [hh_id])
    assert kinds[hh_id].value == "response"


async def test_a_move_to_another_vacancy_refuses_the_old_lead_and_brings_the_new_one(
    world: World,
) -> None:
    """hh.ru marks the old negotiation ``discard_to_other_vacancy`` and opens a new response on
    the target vacancy: the new one arrives at once (the target's counters moved), the old
    lead's status after one watch period."""
    source = first_vacancy(world)
    state_ = world.hh_admin("GET", "/_sandbox/state")
    target = next(
        v["id"]
        for v in state_["vacancies"]
        if v["employer_id"] == world.employer_id and not v["archived"] and v["id"] != source
    )
    hh_id = await imported_response(world, source)
    moved = world.hh_admin(
        "POST", f"/_sandbox/negotiations/{hh_id}/move_to_vacancy", vacancy_id=target
    )

    first = await run_pass(world.ctx, world.portal_id)
    assert not first.errors
    leads = leads_by_origin(world)
    assert leads[moved["new_id"]]["UF_CRM_HH_STATUS"] == "Отклик"
    assert leads[hh_id]["UF_CRM_HH_STATUS"] == "Отклик"  # its vacancy not watched yet
    world.clock.advance(watch_period(world))
    await run_pass(world.ctx, world.portal_id)

    leads = leads_by_origin(world)
    assert leads[hh_id]["UF_CRM_HH_STATUS"] == "Перевод на другую вакансию"
    assert len(leads) == world.hh_negotiations()


async def test_a_failing_watch_loses_nothing_and_stays_due(world: World) -> None:
    """A 503 (or 429) on ``GET /negotiations?vacancy_id=`` that outlasts the client's retries
    ends the account's reading for the pass (hh.ru OpenAPI spec: every method may answer them);
    nothing was recorded for the vacancy, so the next pass watches it again."""
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/withdraw")
    world.clock.advance(watch_period(world))
    async with world.ctx.database.session() as session:
        before = await state.get_vacancy(session, world.portal_id, vacancy_id)
        assert before is not None
        watched_at = before.watched_at
    world.hh_admin(
        "POST",
        "/_sandbox/faults",
        fault={"kind": "error", "status": 503, "path_contains": "/negotiations"},
        times=50,
    )
    world.hh_admin("DELETE", "/_sandbox/requests")

    failed = await run_pass(world.ctx, world.portal_id)

    assert failed.errors
    asked = hh_requests(world)
    assert any(r["path"] == "/negotiations" and r["status"] == 503 for r in asked)
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == "Отклик"
    async with world.ctx.database.session() as session:
        after = await state.get_vacancy(session, world.portal_id, vacancy_id)
        assert after is not None
        assert after.watched_at == watched_at
    world.hh_admin("DELETE", "/_sandbox/faults")
    recovered = await run_pass(world.ctx, world.portal_id)  # no clock move: still due

    assert not recovered.errors
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == "Отказ соискателя"


async def test_rows_stored_before_listings_were_recorded_get_one_full_read(world: World) -> None:
    """Rows of an older release have ``hh_listing`` NULL and their vacancies no watch (migration
    0010): the first watch cannot count them per listing, so it reads the vacancy in full once;
    a change hidden from the counters meanwhile arrives with it, and then watches are cheap."""
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    async with world.ctx.database.session() as session:
        await session.exec(update(Negotiation).values(hh_listing=None))
        await session.exec(update(Vacancy).values(listing_totals={}, watched_at=None))
        await session.commit()
    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="discard_by_employer"
    )
    world.hh_admin("DELETE", "/_sandbox/requests")

    upgraded = await run_pass(world.ctx, world.portal_id)

    assert not upgraded.errors
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == "Отказано"
    listed = {r["query"] for r in hh_requests(world) if r["path"].startswith("/negotiations/")}
    assert any(f"vacancy_id={vacancy_id}" in q for q in listed)
    async with world.ctx.database.session() as session:
        legacy = await session.exec(
            select(Negotiation.hh_negotiation_id).where(col(Negotiation.hh_listing).is_(None))
        )
        assert legacy.all() == []
        row = await state.get_vacancy(session, world.portal_id, vacancy_id)
        assert row is not None
        assert row.watched_at is not None
        on_hh = next(
            v["negotiations"]
            for v in world.hh_admin("GET", "/_sandbox/state")["vacancies"]
            if v["id"] == vacancy_id
        )
        assert sum(row.listing_totals.values()) == on_hh

    world.clock.advance(watch_period(world))
    world.hh_admin("DELETE", "/_sandbox/requests")
    quiet = await run_pass(world.ctx, world.portal_id)
    assert not quiet.errors
    assert [r["path"] for r in hh_requests(world) if r["path"].startswith("/negotiations/")] == []


async def test_a_kind_left_untold_by_a_watch_read_is_asked_again_at_the_next_pass(
    world: World,
) -> None:
    """A response hhsync first sees after the employer invited it needs its conversation's first
    page for its kind (``sync/negotiation_kind.py``); a 503 there that outlasts the retries
    leaves it unstored, and the next pass (no period waited) watches the vacancy again and reads
    only the leaf it is in, not the whole vacancy."""
    vacancy_id = first_vacancy(world)
    await run_pass(world.ctx, world.portal_id)
    nid = invited_response(world, vacancy_id)
    world.hh_admin(
        "POST",
        "/_sandbox/faults",
        fault={"kind": "error", "status": 503, "path_contains": f"/negotiations/{nid}/messages"},
        times=50,
    )
    deferred = await run_pass(world.ctx, world.portal_id)
    assert deferred.vacancies_read == 1
    assert nid not in leads_by_origin(world)
    async with world.ctx.database.session() as session:
        assert await state.get_negotiation(session, world.portal_id, nid) is None
    world.hh_admin("DELETE", "/_sandbox/faults")
    world.hh_admin("DELETE", "/_sandbox/requests")

    again = await run_pass(world.ctx, world.portal_id)

    assert not again.errors
    assert again.vacancies_read == 1
    leads = leads_by_origin(world)
    assert leads[nid]["COMMENTS"].startswith("Отклик")
    async with world.ctx.database.session() as session:
        kinds = await state.stored_kinds(session, world.portal_id, [nid])
    assert kinds[nid].value == "response"
    pages = {r["path"] for r in hh_requests(world) if r["path"].startswith("/negotiations/")} - {
        f"/negotiations/{nid}/messages"
    }
    assert pages == {"/negotiations/phone_interview"}


async def test_a_move_into_a_funnel_stage_is_followed_to_its_sub_collection(world: World) -> None:
    """An employer-defined stage turns its collection's leaves into ``sub_collections`` (hh.ru
    OpenAPI spec, ``NegotiationsObjectsStates``): the watch counts those leaves, finds the
    negotiation in its stage's sub-collection and each leaf's stored count matches hh.ru's."""
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    stage = world.hh_admin(
        "POST",
        f"/_sandbox/vacancies/{vacancy_id}/funnel_stages",
        collection="interview",
        name="Интервью с руководителем",
    )
    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{hh_id}/funnel_stage", funnel_stage_id=stage["id"]
    )

    lead = await status_after_a_watch_period(world, hh_id)

    assert lead["UF_CRM_HH_STATUS"] == "Интервью"
    async with world.ctx.database.session() as session:
        stored = await state.get_negotiation(session, world.portal_id, hh_id)
        row = await state.get_vacancy(session, world.portal_id, vacancy_id)
        assert row is not None
        assert row.id is not None
        counts = await state.listing_counts(session, row.id)
    assert stored is not None
    assert stored.hh_listing == stage["sub_collection_id"]
    assert "interview" not in row.listing_totals
    assert {leaf: counts.get(leaf, 0) for leaf in row.listing_totals} == row.listing_totals


async def test_a_move_below_the_depth_of_a_watched_walk_is_found_by_a_full_read(
    world: World,
) -> None:
    """A negotiation moved into a listing deeper than hh.ru pages lands at its creation place
    (``order_by=created_at``), which a newest-first walk may never reach (hh.ru's page depth,
    ``DEFAULT_MAX_DEPTH_ITEMS``; the sandbox's ``depth_limit``). The watch must not take that
    leaf's new total as settled: the next pass reads the vacancy in full instead."""
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    hh_id = await imported_response(world, vacancy_id)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/counters", mode="live")
    # every later response is newer than the one we follow, so it sinks below them
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=60)
    world.hh_admin(
        "POST",
        f"/_sandbox/vacancies/{vacancy_id}/negotiations/bulk",
        count=120,
        employer_state="consider",
        spread_s=30,
        deleted_resumes=True,
    )
    imported = await run_pass(world.ctx, world.portal_id)
    assert not imported.errors
    freeze_vacancy_counters(world, vacancy_id)
    world.hh_admin("POST", "/_sandbox/limits", depth_limit=50)
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="consider")

    world.clock.advance(watch_period(world))
    watched = await run_pass(world.ctx, world.portal_id)
    assert not watched.errors
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == "Отклик"  # not found yet
    async with world.ctx.database.session() as session:
        row = await state.get_vacancy(session, world.portal_id, vacancy_id)
    assert row is not None
    assert row.last_full_read_at is None  # due a full read, not settled at the new total

    world.hh_admin("POST", "/_sandbox/limits", depth_limit=2000)
    full = await run_pass(world.ctx, world.portal_id)
    assert not full.errors
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] != "Отклик"
