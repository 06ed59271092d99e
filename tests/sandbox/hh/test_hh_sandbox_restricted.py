"""Resumes not viewable in full: ``can_view_full_info: false``, ``contact_view_status`` IPC or NONE.

Source: hh.ru OpenAPI spec, ``ResumeEmployerFields`` (the three statuses) and its example of a
resume list with ``can_view_full_info: false`` (names and photo null, ``get_with_contact`` and
``download_with_contact`` actions); hhru/api docs/employer_resumes.md (hidden values are null).
"""

from __future__ import annotations

from typing import Any

import httpx
from hh_sandbox_testkit import ADMIN_ID, SpecValidator, bearer

from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.runtime import HhSandbox


def statuses(sandbox: HhSandbox) -> dict[str, int]:
    counted: dict[str, int] = {}
    for resume in sandbox.store.resumes.values():
        counted[resume.contact_view_status] = counted.get(resume.contact_view_status, 0) + 1
    return counted


def test_a_seeded_share_of_resumes_is_restricted(config: HhSandboxConfig) -> None:
    config.applicants = 400
    config.restricted_resume_share = 0.25
    counted = statuses(HhSandbox.build(config))
    assert set(counted) == {"FULL", "IPC", "NONE"}
    assert 60 <= counted["IPC"] + counted["NONE"] <= 140
    assert statuses(HhSandbox.build(config)) == counted  # the same seed, the same world
    config.restricted_resume_share = 0.0
    assert statuses(HhSandbox.build(config)) == {"FULL": 400}


async def _add(client: httpx.AsyncClient, sandbox: HhSandbox, status: str) -> dict[str, Any]:
    vacancy = next(v.id for v in sandbox.store.vacancies.values() if v.manager_id == ADMIN_ID)
    added = await client.post(
        "/_sandbox/negotiations",
        json={"vacancy_id": vacancy, "hidden_fields": [], "contact_view_status": status},
    )
    assert added.status_code == 201, added.text
    body: dict[str, Any] = added.json()
    return body


async def test_a_resume_without_full_view_hides_names_and_contacts(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox, spec: SpecValidator
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    added = await _add(client, sandbox, "NONE")
    listed = await client.get(f"/negotiations/{added['id']}", headers=headers)
    short = listed.json()["resume"]
    assert short["first_name"] is None
    assert short["can_view_full_info"] is False
    full = (await client.get(short["url"], headers=headers)).json()
    spec.check(full, "ResumeResumeForEmployer")
    assert full["contact_view_status"] == "NONE"
    assert full["can_view_full_info"] is False
    assert (full["first_name"], full["last_name"], full["middle_name"]) == (None, None, None)
    assert full["photo"] is None
    assert full["contact"] == []
    assert "with_contact=" in full["actions"]["get_with_contact"]["url"]
    assert "with_contact=" in full["actions"]["download_with_contact"]["pdf"]["url"]


async def test_an_ipc_resume_shows_names_but_no_outside_contact(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox, spec: SpecValidator
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    added = await _add(client, sandbox, "IPC")
    resume = sandbox.store.resumes[added["resume_id"]]
    url = f"/resumes/{resume.id}?topic_id={added['id']}"
    full = (await client.get(url, headers=headers)).json()
    spec.check(full, "ResumeResumeForEmployer")
    assert full["contact_view_status"] == "IPC"
    assert full["can_view_full_info"] is False
    assert full["last_name"] == resume.last_name
    assert full["contact"] == []


async def test_an_unknown_contact_view_status_is_refused(
    client: httpx.AsyncClient, sandbox: HhSandbox
) -> None:
    vacancy = next(iter(sandbox.store.vacancies))
    answer = await client.post(
        "/_sandbox/negotiations", json={"vacancy_id": vacancy, "contact_view_status": "SOME"}
    )
    assert answer.status_code == 400
    assert "contact_view_status" in answer.json()["error"]
