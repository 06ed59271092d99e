"""What a pass does when hh.ru's counters lie: lag, freeze, or reset on republication, on real
PostgreSQL and both sandboxes (the hh.ru sandbox's ``/_sandbox/vacancies/{id}/counters``).

hh.ru calls the counters statistics and promises no freshness (hh.ru OpenAPI spec,
``NegotiationsObjectsEmployerCounters``). hhsync watches a vacancy (its collections' totals) when
its counters moved and otherwise once per ``sync.state_watch_period_s``, and reads it in full once
its last full read is a reconcile period old (``sync/changes.py``). So a new response arrives at
the first watch after its collection counts it, and at the latest at the reconcile pass, once,
whatever the counters say (ARCHITECTURE.md "Counters and the reconcile").
"""

from __future__ import annotations

import pytest

from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy
from tests.integration.sync.test_new_states import leads_by_origin, respond

pytestmark = pytest.mark.postgres


async def test_frozen_vacancy_counters_delay_a_response_to_the_next_watch(world: World) -> None:
    await run_pass(world.ctx, world.portal_id)
    vacancy_id = first_vacancy(world)
    world.hh_admin(
        "POST", f"/_sandbox/vacancies/{vacancy_id}/counters", mode="frozen", scope="vacancy"
    )
    hh_id = respond(world, vacancy_id)

    quiet = await run_pass(world.ctx, world.portal_id)
    assert quiet.vacancies_read == 0  # watched within the period, counters still: nothing read
    assert hh_id not in leads_by_origin(world)
    world.clock.advance(world.ctx.settings.sync.state_watch_period_s)
    watched = await run_pass(world.ctx, world.portal_id)

    assert not watched.errors
    leads = leads_by_origin(world)
    assert hh_id in leads
    assert len(leads) == world.hh_negotiations()


async def test_frozen_counters_delay_a_response_to_the_reconcile_and_no_further(
    world: World,
) -> None:
    """Collection totals frozen too: the watch sees nothing, the reconcile still reads it."""
    await run_pass(world.ctx, world.portal_id)
    vacancy_id = first_vacancy(world)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/counters", mode="frozen")
    hh_id = respond(world, vacancy_id)

    quiet = await run_pass(world.ctx, world.portal_id)
    assert quiet.vacancies_read == 0  # the counters did not move: nothing read
    assert hh_id not in leads_by_origin(world)
    world.clock.advance(world.ctx.settings.sync.state_watch_period_s)
    watched = await run_pass(world.ctx, world.portal_id)
    assert watched.vacancies_read > 0  # watched, but the frozen totals show nothing new
    assert hh_id not in leads_by_origin(world)
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    reconciled = await run_pass(world.ctx, world.portal_id)

    assert not reconciled.errors
    leads = leads_by_origin(world)
    assert hh_id in leads
    assert len(leads) == world.hh_negotiations()


async def test_lagging_counters_bring_a_response_once_they_catch_up(world: World) -> None:
    await run_pass(world.ctx, world.portal_id)
    vacancy_id = first_vacancy(world)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/counters", mode="lag", lag_s=600)
    hh_id = respond(world, vacancy_id)

    await run_pass(world.ctx, world.portal_id)
    assert hh_id not in leads_by_origin(world)
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=601)
    caught_up = await run_pass(world.ctx, world.portal_id)

    assert caught_up.vacancies_read == 1
    leads = leads_by_origin(world)
    assert hh_id in leads
    assert len(leads) == world.hh_negotiations()


async def test_a_republication_reset_rereads_without_writing_twice(world: World) -> None:
    await run_pass(world.ctx, world.portal_id)
    before = leads_by_origin(world)
    vacancy_id = first_vacancy(world)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/counters", reset=True)

    reread = await run_pass(world.ctx, world.portal_id)
    assert reread.vacancies_read == 1  # counters that drop are counters that moved
    assert reread.writes.created == 0
    assert leads_by_origin(world).keys() == before.keys()
    hh_id = respond(world, vacancy_id)
    grown = await run_pass(world.ctx, world.portal_id)

    assert grown.writes.created == 1
    leads = leads_by_origin(world)
    assert set(leads) == set(before) | {hh_id}
