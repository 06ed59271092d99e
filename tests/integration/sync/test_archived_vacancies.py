"""Archived vacancies: what reaches a negotiation after hh.ru archives its vacancy is not lost,
and a vacancy that comes back is picked up again (ARCHITECTURE.md, "Archived vacancies").

Real PostgreSQL and both sandboxes over HTTP. The hh.ru sandbox takes no new negotiation on an
archived vacancy (hh.ru refuses them) but lets the employer move one on the website and the
applicant withdraw (:mod:`tests.sandbox.hh.test_hh_sandbox_archived`); its archived list is the
caller's own vacancies, so the vacancies archived here are the linked admin manager's own.
"""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.db import portals, state
from hhsync.db.tables import SyncStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync import sync_oracle as oracle

pytestmark = pytest.mark.postgres


def own_vacancy(world: World) -> str:
    """An active vacancy of the linked (admin) manager with responses still in «Отклик»."""
    shown = world.hh_admin("GET", "/_sandbox/state")
    employer = next(e for e in shown["employers"] if e["id"] == world.employer_id)
    admin = next(m["id"] for m in employer["managers"] if m["is_admin"])
    return str(
        min(
            v["id"]
            for v in shown["vacancies"]
            if v["employer_id"] == world.employer_id
            and v["manager_id"] == admin
            and not v["archived"]
            and v["negotiations"] > 0
        )
    )


def requests(world: World) -> list[dict[str, Any]]:
    """The hh.ru sandbox's request log since it was last cleared, then clear it."""
    items: list[dict[str, Any]] = world.hh_admin("GET", "/_sandbox/requests")["items"]
    world.hh.delete("/_sandbox/requests")
    return items


def respond(world: World, vacancy_id: str) -> dict[str, Any]:
    """A new response on hh.ru; its id and resume id."""
    added: dict[str, Any] = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy_id)
    return added


def leads_by_origin(world: World) -> dict[str, dict[str, Any]]:
    return {str(lead["ORIGIN_ID"]): lead for lead in world.entities("lead")}


async def stored_vacancy(world: World, vacancy_id: str) -> Any:
    async with world.ctx.database.session() as session:
        return await state.get_vacancy(session, world.portal_id, vacancy_id)


async def stored_status(world: World, hh_id: str) -> str | None:
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, hh_id)
    return None if row is None else row.sync_status


def negotiation_reads(log: list[dict[str, Any]], vacancy_id: str) -> int:
    return sum(1 for r in log if r["path"] == "/negotiations" and vacancy_id in r["query"])


async def test_a_response_that_came_just_before_archival_reaches_the_crm_without_its_pdf(
    world: World,
) -> None:
    await run_pass(world.ctx, world.portal_id)
    vacancy_id = own_vacancy(world)
    new = respond(world, vacancy_id)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    requests(world)

    await run_pass(world.ctx, world.portal_id)
    log = requests(world)

    lead = leads_by_origin(world).get(str(new["id"]))
    assert lead is not None, "the response that came before the archival is in the CRM"
    assert await stored_status(world, str(new["id"])) == SyncStatus.SYNCED
    vacancy = await stored_vacancy(world, vacancy_id)
    assert vacancy.archived is True
    assert vacancy.last_full_read_at is not None  # the one full read after the archival
    assert negotiation_reads(log, vacancy_id) == 1
    # the archived list costs one request a pass (per_page 1000)
    archived_calls = [r for r in log if r["path"].endswith("/vacancies/archived")]
    assert len(archived_calls) == 1
    assert "per_page=1000" in archived_calls[0]["query"]
    # hh.ru serves no PDF of an archived vacancy: none is asked for, the lead is made without it
    assert not [r for r in log if "/download/" in r["path"]]
    opened = [r for r in log if r["path"] == f"/resumes/{new['resume_id']}"]
    assert len(opened) == 1

    await run_pass(world.ctx, world.portal_id)
    again = requests(world)
    assert not [r for r in again if r["path"].startswith("/resumes/")]  # nothing retried
    assert negotiation_reads(again, vacancy_id) == 0  # its archived counters did not move
    assert sum(1 for r in again if r["path"].endswith("/vacancies/archived")) == 1


async def test_an_archived_vacancy_whose_archived_counters_move_is_read_at_once(
    world: World,
) -> None:
    """A negotiation gone from hh.ru (deleted) lowers ``invitations_and_responses`` on the
    archived list: the vacancy is read at the next pass, no reconcile needed."""
    await run_pass(world.ctx, world.portal_id)
    vacancy_id = own_vacancy(world)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    await run_pass(world.ctx, world.portal_id)
    requests(world)
    await run_pass(world.ctx, world.portal_id)
    assert negotiation_reads(requests(world), vacancy_id) == 0  # counters still: no read
    of_vacancy = [
        h for h in sorted(leads_by_origin(world)) if await stored_vacancy_of(world, h) == vacancy_id
    ]
    victim = of_vacancy[0]
    world.hh_admin("POST", f"/_sandbox/negotiations/{victim}/vanish")

    await run_pass(world.ctx, world.portal_id)

    assert negotiation_reads(requests(world), vacancy_id) == 1


async def test_a_move_and_a_withdrawal_on_an_archived_vacancy_reach_the_status_field(
    world: World,
) -> None:
    vacancy_id = own_vacancy(world)
    fresh = [str(respond(world, vacancy_id)["id"]) for _ in range(2)]
    await run_pass(world.ctx, world.portal_id)
    leads = leads_by_origin(world)
    assert all(leads[h]["UF_CRM_HH_STATUS"] in oracle.status_labels("response") for h in fresh)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    await run_pass(world.ctx, world.portal_id)

    world.hh_admin("POST", f"/_sandbox/negotiations/{fresh[0]}/state", employer_state="consider")
    world.hh_admin("POST", f"/_sandbox/negotiations/{fresh[1]}/withdraw")
    # the archived list's counters do not move on a move or a withdrawal: the reconcile (or the
    # state watch) reads the vacancy again
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    await run_pass(world.ctx, world.portal_id)

    leads = leads_by_origin(world)
    assert leads[fresh[0]]["UF_CRM_HH_STATUS"] in oracle.status_labels("consider")
    assert leads[fresh[1]]["UF_CRM_HH_STATUS"] in oracle.status_labels("discard_by_applicant")


async def stored_vacancy_of(world: World, hh_id: str) -> str | None:
    """The hh.ru id of the vacancy a stored negotiation belongs to."""
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, hh_id)
        if row is None:
            return None
        vacancies = await state.list_vacancies(session, world.portal_id)
    return next(v.hh_vacancy_id for v in vacancies if v.id == row.vacancy_id)


async def test_a_restored_vacancy_is_read_again_and_its_new_response_arrives_with_its_pdf(
    world: World,
) -> None:
    await run_pass(world.ctx, world.portal_id)
    vacancy_id = own_vacancy(world)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    await run_pass(world.ctx, world.portal_id)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/restore")
    new = respond(world, vacancy_id)
    requests(world)

    await run_pass(world.ctx, world.portal_id)
    log = requests(world)

    assert str(new["id"]) in leads_by_origin(world)
    assert await stored_status(world, str(new["id"])) == SyncStatus.SYNCED
    assert (await stored_vacancy(world, vacancy_id)).archived is False
    assert negotiation_reads(log, vacancy_id) == 1
    # active again: hh.ru serves the PDF, and it is fetched
    assert [r for r in log if "/download/" in r["path"] and new["resume_id"] in r["path"]]

    # as usual from now on: counters that did not move cost no read
    await run_pass(world.ctx, world.portal_id)
    assert negotiation_reads(requests(world), vacancy_id) == 0


@pytest.mark.parametrize("import_archived", [False, True])
async def test_archived_vacancies_never_followed_are_imported_only_when_asked(
    world: World, import_archived: bool
) -> None:
    vacancy_id = own_vacancy(world)
    held = next(
        v["negotiations"]
        for v in world.hh_admin("GET", "/_sandbox/state")["vacancies"]
        if v["id"] == vacancy_id
    )
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy_id}/archive")
    async with world.ctx.database.session() as session:
        await portals.save_settings(
            session, world.portal_id, {"import_archived": import_archived}, world.clock.now()
        )

    await run_pass(world.ctx, world.portal_id)

    imported = [hh_id for hh_id in leads_by_origin(world) if hh_id]
    of_vacancy = [h for h in imported if await stored_vacancy_of(world, h) == vacancy_id]
    stored = await stored_vacancy(world, vacancy_id)
    if import_archived:
        assert stored is not None
        assert stored.archived is True
        assert len(of_vacancy) == held
    else:
        assert stored is None
        assert of_vacancy == []
        assert len(imported) == world.hh_negotiations()  # the open vacancies' all the same


async def test_a_manager_refused_the_archived_list_still_has_the_active_one_imported(
    world: World,
) -> None:
    """hh.ru answers 404 to a manager with no right to view archived vacancies (hh.ru OpenAPI
    ``get-archived-vacancies``): the pass goes on with the active list."""
    world.hh_admin(
        "POST",
        "/_sandbox/faults",
        fault={"kind": "error", "status": 404, "path_contains": "/vacancies/archived"},
        times=1,
    )

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == "ok"
    assert len(leads_by_origin(world)) == world.hh_negotiations()
