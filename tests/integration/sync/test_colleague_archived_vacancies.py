"""A colleague's archived vacancy stays followed (ARCHITECTURE.md, "Archived vacancies").

hh.ru's archived list shows the caller's own vacancies unless ``manager_id`` names another (hh.ru
OpenAPI ``get-archived-vacancies``), while the active list is read with ``all_accessible``; the
hh.ru sandbox does the same. Real PostgreSQL and both sandboxes over HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from hhsync.db import state
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync import sync_oracle as oracle

pytestmark = pytest.mark.postgres


def colleague_vacancy(world: World) -> tuple[str, str]:
    """An active vacancy of the linked admin's colleague with negotiations, and that colleague."""
    shown = world.hh_admin("GET", "/_sandbox/state")
    employer = next(e for e in shown["employers"] if e["id"] == world.employer_id)
    admin = next(m["id"] for m in employer["managers"] if m["is_admin"])
    found = [
        (str(v["id"]), str(v["manager_id"]))
        for v in shown["vacancies"]
        if v["employer_id"] == world.employer_id
        and v["manager_id"] != admin
        and not v["archived"]
        and v["negotiations"] > 0
    ]
    assert found, "the world has a colleague's open vacancy"
    return min(found)


def requests(world: World) -> list[dict[str, Any]]:
    """The hh.ru sandbox's request log since it was last cleared, then clear it."""
    items: list[dict[str, Any]] = world.hh_admin("GET", "/_sandbox/requests")["items"]
    world.hh.delete("/_sandbox/requests")
    return items


def archived_calls(log: list[dict[str, Any]]) -> list[str]:
    return [r["query"] for r in log if r["path"].endswith("/vacancies/archived")]


def negotiation_reads(log: list[dict[str, Any]], vacancy_id: str) -> int:
    return sum(1 for r in log if r["path"] == "/negotiations" and vacancy_id in r["query"])


def leads_by_origin(world: World) -> dict[str, dict[str, Any]]:
    return {str(lead["ORIGIN_ID"]): lead for lead in world.entities("lead")}


async def stored_vacancy(world: World, vacancy_id: str) -> Any:
    async with world.ctx.database.session() as session:
        return await state.get_vacancy(session, world.portal_id, vacancy_id)


async def test_a_colleagues_archived_vacancy_gets_its_late_changes_into_the_status_field(
    world: World,
) -> None:
    vacancy_id, colleague = colleague_vacancy(world)
    fresh = [
        str(world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy_id)["id"])
        for _ in range(2)
    ]
    await run_pass(world.ctx, world.portal_id)
    assert (await stored_vacancy(world, vacancy_id)).hh_manager_id == colleague
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    requests(world)

    await run_pass(world.ctx, world.portal_id)
    log = requests(world)

    # the own archive, then the colleague's: one request more a pass, for every such vacancy
    assert len(archived_calls(log)) == 2
    assert sum(f"manager_id={colleague}" in q for q in archived_calls(log)) == 1
    vacancy = await stored_vacancy(world, vacancy_id)
    assert vacancy.archived is True
    assert vacancy.unlisted_at is None
    assert negotiation_reads(log, vacancy_id) == 1  # the one full read after the archival

    world.hh_admin("POST", f"/_sandbox/negotiations/{fresh[0]}/state", employer_state="consider")
    world.hh_admin("POST", f"/_sandbox/negotiations/{fresh[1]}/withdraw")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    await run_pass(world.ctx, world.portal_id)
    log = requests(world)

    assert len(archived_calls(log)) == 2
    assert negotiation_reads(log, vacancy_id) == 1  # its reconcile
    leads = leads_by_origin(world)
    assert leads[fresh[0]]["UF_CRM_HH_STATUS"] in oracle.status_labels("consider")
    assert leads[fresh[1]]["UF_CRM_HH_STATUS"] in oracle.status_labels("discard_by_applicant")


async def test_a_followed_vacancy_gone_from_every_list_is_kept_unread_and_looked_for_rarely(
    world: World,
) -> None:
    """A followed vacancy found in no list (hh.ru deleted or hid it, or refused its manager's
    archive with 404: the same path) keeps its rows and CRM entities, is not read, and is looked
    for again once a reconcile period, not every pass."""
    vacancy_id, colleague = colleague_vacancy(world)
    await run_pass(world.ctx, world.portal_id)
    kept = len(leads_by_origin(world))
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    # hh.ru refuses both archives this pass (no right to view them: hh.ru OpenAPI 404)
    world.hh_admin(
        "POST",
        "/_sandbox/faults",
        fault={"kind": "error", "status": 404, "path_contains": "/vacancies/archived"},
        times=2,
    )
    requests(world)

    with capture_logs() as logged:
        await run_pass(world.ctx, world.portal_id)
    log = requests(world)

    assert len(archived_calls(log)) == 2  # own (refused) and the colleague's (refused)
    refused = [e for e in logged if e["event"] == "sync.manager_archive_refused"]
    assert [(e["manager"], e["vacancies"]) for e in refused] == [(colleague, [vacancy_id])]
    assert [e["vacancy"] for e in logged if e["event"] == "sync.vacancy_unlisted"] == [vacancy_id]
    vacancy = await stored_vacancy(world, vacancy_id)
    assert vacancy is not None
    assert vacancy.archived is False  # kept as it was
    assert vacancy.unlisted_at is not None
    assert negotiation_reads(log, vacancy_id) == 0
    assert len(leads_by_origin(world)) == kept

    with capture_logs() as later:
        await run_pass(world.ctx, world.portal_id)
    log = requests(world)
    assert not [q for q in archived_calls(log) if f"manager_id={colleague}" in q]
    assert not [e for e in later if e["event"] == "sync.vacancy_unlisted"]  # logged once

    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    await run_pass(world.ctx, world.portal_id)
    log = requests(world)
    # looked for again: found in the colleague's archive now, read in full once
    assert sum(f"manager_id={colleague}" in q for q in archived_calls(log)) == 1
    vacancy = await stored_vacancy(world, vacancy_id)
    assert vacancy.archived is True
    assert vacancy.unlisted_at is None
    assert negotiation_reads(log, vacancy_id) == 1
