"""Resumes hh.ru does not show in full still become leads, with what hh.ru gave.

hh.ru OpenAPI spec, ``ResumeEmployerFields``: ``can_view_full_info`` and ``contact_view_status``
(``FULL``, ``IPC``: contacts only inside hh.ru, ``NONE``: none, names and photo null too).
"""

from __future__ import annotations

from hhsync.db.tables import RunStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World


def first_vacancy(world: World) -> tuple[str, str]:
    listed = world.hh_admin("GET", "/_sandbox/state")["vacancies"]
    vacancy = next(v for v in listed if v["employer_id"] == world.employer_id and not v["archived"])
    return str(vacancy["id"]), str(vacancy["name"])


async def test_resumes_without_full_view_become_leads_without_contacts(world: World) -> None:
    vacancy, vacancy_name = first_vacancy(world)
    hidden = world.hh_admin(
        "POST",
        "/_sandbox/negotiations",
        vacancy_id=vacancy,
        hidden_fields=[],
        contact_view_status="NONE",
    )
    inside = world.hh_admin(
        "POST",
        "/_sandbox/negotiations",
        vacancy_id=vacancy,
        hidden_fields=[],
        contact_view_status="IPC",
        last_name="Петрова",
    )
    expected = world.hh_negotiations()
    report = await run_pass(world.ctx, world.portal_id)
    assert report.status == RunStatus.OK, report.errors
    assert report.writes.created == expected
    leads = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    none_lead = leads[str(hidden["id"])]
    tag = str(hidden["resume_id"])[-6:]
    assert none_lead["TITLE"] == f"{vacancy_name} — Соискатель скрыл ФИО (#{tag})"
    assert not none_lead.get("PHONE")
    assert not none_lead.get("EMAIL")
    ipc_lead = leads[str(inside["id"])]
    assert ipc_lead["LAST_NAME"] == "Петрова"
    assert not ipc_lead.get("PHONE")
    assert not ipc_lead.get("EMAIL")
    # Every response of the world became a lead, whatever its resume showed.
    assert len(leads) == expected
