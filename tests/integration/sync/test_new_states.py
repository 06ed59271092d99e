"""States the stage table has no row for, funnel sub-collections and withdrawn responses, end to
end on real PostgreSQL and both sandboxes.

hh.ru says the states depend on the vacancy and the employer and that a state need not map to a
collection of its name (hh.ru OpenAPI spec, ``employer_states`` of ``get-negotiations``; hhru/api
docs/employer_negotiations.md at 3cf9464, «Не стоит полагаться на то, что … оно будет входить в
известные коллекции»; the ``discard_*`` states are known from public integrations, named in
tests/sandbox/hh/test_hh_sandbox_states.py); a collection may
carry employer-defined ``sub_collections`` (``NegotiationsObjectsStates``) whose members its own
URL need not list. Every negotiation must still reach the CRM exactly once, in a sensible stage.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from hhsync.db import state
from hhsync.log import EVENT_STATE_UNMAPPED
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy
from tests.integration.sync.test_settings_switch import LEADS_EXTENDED, switch

pytestmark = pytest.mark.postgres


def leads_by_origin(world: World) -> dict[str, dict[str, Any]]:
    """The portal's leads by ORIGIN_ID, failing on any negotiation that has two."""
    leads = world.entities("lead")
    twice = [o for o, n in Counter(str(lead["ORIGIN_ID"]) for lead in leads).items() if n > 1]
    assert not twice, f"negotiations with more than one lead: {twice}"
    return {str(lead["ORIGIN_ID"]): lead for lead in leads}


def respond(world: World, vacancy_id: str) -> str:
    """A new response on ``vacancy_id``; its hh.ru id."""
    created = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy_id)
    return str(created["id"])


async def unmapped_audit(world: World) -> list[dict[str, Any]]:
    """The portal's ``state.unmapped`` audit details, oldest first."""
    async with world.ctx.database.session() as session:
        trail = await state.audit_trail(session, world.portal_id, limit=1000)
    return [e.detail for e in reversed(trail) if e.event == EVENT_STATE_UNMAPPED]


async def test_every_collection_and_sub_collection_reaches_the_crm_once(world: World) -> None:
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    staged, withdrawn, closed = (respond(world, vacancy_id) for _ in range(3))
    stage = world.hh_admin(
        "POST",
        f"/_sandbox/vacancies/{vacancy_id}/funnel_stages",
        collection="interview",
        name="Интервью с руководителем",
    )
    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{staged}/funnel_stage", funnel_stage_id=stage["id"]
    )
    world.hh_admin("POST", f"/_sandbox/negotiations/{withdrawn}/withdraw")
    world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{closed}/state",
        employer_state="discard_vacancy_closed",
    )

    report = await run_pass(world.ctx, world.portal_id)

    assert not report.errors
    leads = leads_by_origin(world)
    assert len(leads) == world.hh_negotiations()
    # Listed only by its sub-collection: still read, mapped by its state's own row.
    assert leads[staged]["STATUS_ID"] == "PROCESSED"
    # No row of its own: the refusal family's row («Отказ»), hh.ru's name in the status field.
    assert leads[closed]["STATUS_ID"] == "JUNK"
    assert leads[closed]["UF_CRM_HH_STATUS"] == "Вакансия закрыта"
    # Its own row, left «Как в CRM по умолчанию»: the family's row too.
    assert leads[withdrawn]["STATUS_ID"] == "JUNK"
    assert leads[withdrawn]["UF_CRM_HH_STATUS"] == "Отказ соискателя"
    told = await unmapped_audit(world)
    assert "discard_vacancy_closed" in {d["state"] for d in told}
    assert all(d["row"] == "discard_by_employer" for d in told if d["state"].startswith("discard"))
    assert len(told) == len({d["state"] for d in told})

    # A later pass reads everything again (a forced reconcile) and neither writes twice nor
    # tells the portal twice.
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    again = await run_pass(world.ctx, world.portal_id)
    assert not again.errors
    assert leads_by_origin(world).keys() == leads.keys()
    assert await unmapped_audit(world) == told


async def test_a_withdrawal_reaches_the_lead_at_the_next_watch(world: World) -> None:
    """A withdrawal moves no vacancy counter hhsync watches (the response leaves the inbox for
    the refusal collection, ``responses`` stays), but it moves two collections' totals, so the
    vacancy's next state watch reads it (ARCHITECTURE.md "Counters and the reconcile"); then the
    lead takes the refusal row's stage and hh.ru's name."""
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    hh_id = respond(world, vacancy_id)
    await run_pass(world.ctx, world.portal_id)
    assert leads_by_origin(world)[hh_id]["STATUS_ID"] == "NEW"

    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/withdraw")
    await run_pass(world.ctx, world.portal_id)
    assert leads_by_origin(world)[hh_id]["UF_CRM_HH_STATUS"] == "Отклик"  # not watched yet
    world.clock.advance(world.ctx.settings.sync.state_watch_period_s)
    await run_pass(world.ctx, world.portal_id)

    lead = leads_by_origin(world)[hh_id]
    assert lead["UF_CRM_HH_STATUS"] == "Отказ соискателя"
    assert lead["STATUS_ID"] == "JUNK"


async def test_a_response_nobody_answered_reaches_the_lead_as_no_interaction(
    world: World,
) -> None:
    """``discard_no_interaction`` («Не выходит на связь»; public integrations only, named in
    tests/sandbox/hh/test_hh_sandbox_states.py) is a refusal hh.ru sets on a response nobody took
    up; it leaves the inbox for the refusal collection. Through real passes: the lead made while
    it was a response follows at the vacancy's next state watch into the refusal row, with
    hh.ru's name in its status field and one ``state.unmapped`` line naming the row it used; both
    stay responses, and one that was already refused so when first seen is made straight in that
    stage."""
    await switch(world, LEADS_EXTENDED)
    vacancy_id = first_vacancy(world)
    followed, first_seen = respond(world, vacancy_id), respond(world, vacancy_id)
    world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{first_seen}/state",
        employer_state="discard_no_interaction",
    )
    first = await run_pass(world.ctx, world.portal_id)
    assert not first.errors
    leads = leads_by_origin(world)
    assert leads[followed]["STATUS_ID"] == "NEW"
    assert leads[first_seen]["STATUS_ID"] == "JUNK"
    assert leads[first_seen]["UF_CRM_HH_STATUS"] == "Не выходит на связь"

    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{followed}/state", employer_state="discard_no_interaction"
    )
    world.clock.advance(world.ctx.settings.sync.state_watch_period_s)
    second = await run_pass(world.ctx, world.portal_id)
    assert not second.errors

    lead = leads_by_origin(world)[followed]
    assert lead["UF_CRM_HH_STATUS"] == "Не выходит на связь"
    assert lead["STATUS_ID"] == "JUNK"
    assert len(leads_by_origin(world)) == world.hh_negotiations()
    told = [d for d in await unmapped_audit(world) if d["state"] == "discard_no_interaction"]
    assert len(told) == 1
    assert told[0]["row"] == "discard_by_employer"
    async with world.ctx.database.session() as session:
        for hh_id in (followed, first_seen):
            row = await state.get_negotiation(session, world.portal_id, hh_id)
            assert row is not None
            assert row.kind == "response"
            assert row.employer_state == "discard_no_interaction"
            assert row.hh_status_set == "discard_no_interaction"
