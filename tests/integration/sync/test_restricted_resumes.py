"""Resumes hh.ru does not show in full still become leads, with what hh.ru gave, and the
recruiter is told how to reach the applicant.

hh.ru OpenAPI spec, ``ResumeEmployerFields``: ``can_view_full_info`` and ``contact_view_status``
(``FULL``; ``IPC``: «общение доступно только внутри платформы, внешние контакты скрыты»;
``NONE``: «каналы связи недоступны», names and photo null too). The spec's tag «Просмотр
резюме» («Просмотр резюме с контактами»): contacts open when a manager views the resume with
contacts (a contact view is spent once for the company) or invites the applicant.
"""

from __future__ import annotations

import json
from typing import Any

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

    # The lead and its timeline activity say how each applicant can be reached: not «hidden by
    # the applicant» for both.
    inside_words = "можно только внутри hh.ru, в чате отклика"
    none_words = "откроет просмотр резюме с контактами на hh.ru"
    assert inside_words in ipc_lead["COMMENTS"]
    assert none_words not in ipc_lead["COMMENTS"]
    assert none_words in none_lead["COMMENTS"]
    assert inside_words not in none_lead["COMMENTS"]
    for lead in (ipc_lead, none_lead):
        assert "Соискатель скрыл контакты" not in lead["COMMENTS"]
    ipc_note = contacts_block(world, ipc_lead)
    none_note = contacts_block(world, none_lead)
    assert inside_words in ipc_note
    assert "приглашение соискателя на вакансию" in none_note
    assert ipc_note != none_note


def contacts_block(world: World, lead: dict[str, Any]) -> str:
    """The «Контакты» block of the lead's one timeline activity, as the portal stores it."""
    owned = [
        a
        for a in world.entities("activity")
        if str(a["OWNER_ID"]) == str(lead["ID"]) and str(a["OWNER_TYPE_ID"]) == "1"
    ]
    assert len(owned) == 1
    block = owned[0]["LAYOUT"]["body"]["blocks"]["contacts"]
    assert block["properties"]["title"] == "Контакты"
    return json.dumps(block, ensure_ascii=False)
