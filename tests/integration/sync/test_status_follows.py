"""UF_CRM_HH_STATUS follows hh.ru after an adoption and after a status update that did not go
through: what the sync state machine (``test_sync_machine.py``) found, reduced to a few steps.

Both were engine bugs:

* An adoption recorded the employer state of the adopting pass as the one written to
  UF_CRM_HH_STATUS, but the adopted lead carries the state it was created with, so no later pass
  saw anything to update. Now an adoption records the stage the entity shows and no written
  status, and the next pass writes the status.
* A pass stores a vacancy's counters when it reads them, and the planner followed changes only of
  negotiations listed again; a status update that was refused, lost to a 500, or cut by a crash
  waited for the next reconcile (6 h by default). Now every entity whose status field may not show
  what hh.ru last said is loaded and followed on every pass, whether its vacancy is read or not.
"""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.db import state
from hhsync.db.tables import SyncStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync import sync_oracle as oracle

pytestmark = pytest.mark.postgres

# Longer than any request of a crashed or failed pass may still be running: a row it left in
# flight may then be looked up and adopted.
IN_FLIGHT_HOLD_S = 1800.0
REQUIRED_FIELD = "POST"  # a lead field hhsync never fills


class NotReached(Exception):
    """The reproduction did not reach the state it needs: a broken test, not the bug (the
    final assertions are what the test is about)."""


def reached(condition: bool, what: str) -> None:
    """Stop with :class:`NotReached` unless the steps so far did what the reproduction needs."""
    if not condition:
        raise NotReached(what)


async def stored_row(world: World, hh_id: str) -> oracle.Row:
    """The negotiation's stored row, as the oracle reads it."""
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, hh_id)
    assert row is not None
    return oracle.Row.of(row)


def lead_of(world: World, hh_id: str) -> dict[str, Any]:
    """The portal's lead for a negotiation."""
    return next(lead for lead in world.entities("lead") if lead["ORIGIN_ID"] == hh_id)


def a_fresh_response(world: World) -> str:
    """A negotiation whose lead shows «Отклик»: moving it to an in-progress state moves the
    vacancy's counters, so the next pass reads it without waiting for a reconcile."""
    return next(
        str(lead["ORIGIN_ID"])
        for lead in world.entities("lead")
        if lead["UF_CRM_HH_STATUS"] in oracle.status_labels("response")
    )


async def test_a_lead_adopted_after_its_negotiation_moved_shows_the_new_state(
    world: World,
) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "error_after_write", "status": 500, "path_contains": "crm.lead.add"},
    )
    first = await run_pass(world.ctx, world.portal_id)
    reached(first.writes.outcome_unknown > 0, "every lead landed, none recorded")
    hh_id = a_fresh_response(world)
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="consider")
    world.clock.advance(IN_FLIGHT_HOLD_S)
    adopted = await run_pass(world.ctx, world.portal_id)
    reached(adopted.writes.adopted == first.writes.outcome_unknown, "every lead adopted")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    await run_pass(world.ctx, world.portal_id)

    row = await stored_row(world, hh_id)
    assert row.hh_status_set == "consider"
    assert lead_of(world, hh_id)["UF_CRM_HH_STATUS"] in oracle.status_labels("consider")


@pytest.mark.parametrize("failure", ["refused", "error_before_write", "error_after_write"])
async def test_a_status_update_that_did_not_go_through_is_written_on_the_next_pass(
    world: World, failure: str
) -> None:
    await run_pass(world.ctx, world.portal_id)
    hh_id = a_fresh_response(world)
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="interview")
    if failure == "refused":  # leads made before the field became required cannot be updated
        world.bitrix_admin(
            "POST",
            f"/_sandbox/portals/{world.domain}/required",
            entity="lead",
            field=REQUIRED_FIELD,
        )
    else:
        kind = "error" if failure == "error_before_write" else "error_after_write"
        world.bitrix_admin(
            "POST",
            f"/_sandbox/portals/{world.domain}/faults",
            fault={"kind": kind, "status": 500, "path_contains": "crm.lead.update"},
        )
    failed = await run_pass(world.ctx, world.portal_id)
    reached(failed.writes.updated == 0, "the update did not go through")
    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field=REQUIRED_FIELD
    )
    world.clock.advance(world.ctx.settings.sync.retry_base_s * 10)  # well before a reconcile
    await run_pass(world.ctx, world.portal_id)

    row = await stored_row(world, hh_id)
    assert (row.status, row.hh_status_set) == (SyncStatus.SYNCED, "interview")
    assert lead_of(world, hh_id)["UF_CRM_HH_STATUS"] in oracle.status_labels("interview")


async def test_a_create_from_a_negotiation_fetched_again_shows_the_state_it_records(
    world: World,
) -> None:
    """A response whose create was refused is retried without its vacancy being read; hh.ru moved
    it meanwhile, so the negotiation fetched for the create is in a state the row does not know.
    The lead is written with the stored state, as recorded, and the vacancy's watch brings the
    move (found by the sync state machine: the lead showed «Вакансия закрыта» while the row
    recorded «Отклик»)."""
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field=REQUIRED_FIELD
    )
    refused = await run_pass(world.ctx, world.portal_id)
    reached(refused.writes.failed > 0 and world.entities("lead") == [], "every create refused")
    hh_id, vacancy_id = await a_stored_response(world)
    world.hh_admin(
        "POST", f"/_sandbox/vacancies/{vacancy_id}/counters", mode="frozen", scope="vacancy"
    )
    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="discard_vacancy_closed"
    )
    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field=REQUIRED_FIELD
    )
    # past the first retry (base ±20 %), within the watch period: no watch of the vacancy yet
    world.clock.advance(world.ctx.settings.sync.retry_base_s * 1.25)
    reached(
        world.ctx.settings.sync.retry_base_s * 1.25 < world.ctx.settings.sync.state_watch_period_s,
        "the retry comes before the watch",
    )
    retried = await run_pass(world.ctx, world.portal_id)
    reached(retried.vacancies_read == 0, "the vacancy was not read: its counters are frozen")

    row = await stored_row(world, hh_id)
    assert (row.status, row.hh_status_set) == (SyncStatus.SYNCED, "response")
    assert lead_of(world, hh_id)["UF_CRM_HH_STATUS"] in oracle.status_labels("response")

    world.clock.advance(world.ctx.settings.sync.state_watch_period_s)
    await run_pass(world.ctx, world.portal_id)
    row = await stored_row(world, hh_id)
    assert row.hh_status_set == "discard_vacancy_closed"
    assert lead_of(world, hh_id)["UF_CRM_HH_STATUS"] in oracle.status_labels(
        "discard_vacancy_closed"
    )


async def a_stored_response(world: World) -> tuple[str, str]:
    """A stored negotiation in state ``response`` and its hh.ru vacancy id."""
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, world.portal_id)
        vacancies = {
            v.id: v.hh_vacancy_id for v in await state.list_vacancies(session, world.portal_id)
        }
    row = next(row for row in rows if row.employer_state == "response")
    return row.hh_negotiation_id, vacancies[row.vacancy_id]
