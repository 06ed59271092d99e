"""Archived vacancies in the hh.ru sandbox: what still changes there, what the archived list
counts, and the two ways a vacancy comes back.

Sources: hh.ru OpenAPI ``get-archived-vacancies`` (own vacancies unless ``manager_id``; per_page
default and maximum 1000; items ``archived: true``, ``archived_at``, counters
``VacancyCountersForArchivedOrHidden``: ``responses``, ``total_responses``,
``invitations_and_responses``); the apply errors of the same spec (a response to an archived
vacancy: ``negotiations/archived``; an invitation: ``negotiations/invalid_vacancy``), so no new
negotiation reaches an archived vacancy; ``publish-vacancy`` with ``previous_id`` (a new vacancy
from an archived one). That an applicant may still withdraw and the employer may still move a
negotiation on the website once the vacancy is archived is documented neither in the spec nor in
hhru/api docs (the spec's ``messaging_status`` dictionary has ``archived``): the sandbox allows
both, so
the product is tested against the harder case.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, MANAGER_ID, bearer

from hhsync.sandbox.hh.runtime import HhSandbox


@pytest.fixture
async def admin(tokens: Any) -> dict[str, str]:
    """Auth headers of the company admin of employer 1455."""
    return bearer(await tokens(ADMIN_ID))


def _own_active_vacancy(sandbox: HhSandbox, manager_id: str = ADMIN_ID) -> str:
    """An active vacancy of ``manager_id`` with a response still in «Отклик»."""
    store = sandbox.store
    return min(
        v.id
        for v in store.vacancies.values()
        if v.employer_id == EMPLOYER_ID
        and v.manager_id == manager_id
        and not v.archived
        and any(n.employer_state == "response" for n in store.negotiations_of(v.id))
    )


async def _archived(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> Any:
    answer = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/archived", headers=headers, params=params
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _active_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    answer = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active",
        headers=headers,
        params={"all_accessible": "true", "per_page": "50"},
    )
    return {v["id"] for v in answer.json()["items"]}


async def _totals(client: httpx.AsyncClient, headers: dict[str, str], vid: str) -> dict[str, int]:
    answer = await client.get("/negotiations", params={"vacancy_id": vid}, headers=headers)
    assert answer.status_code == 200, answer.text
    return {c["id"]: c["counters"]["total"] for c in answer.json()["collections"]}


async def test_the_archived_list_counts_what_the_vacancy_holds_in_one_page(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _own_active_vacancy(sandbox)
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/archive")
    listed = await _archived(client, admin)
    assert listed["per_page"] == 1000  # the documented default: one request for 1000 vacancies
    item = next(v for v in listed["items"] if v["id"] == vacancy_id)
    held = sandbox.store.negotiations_of(vacancy_id)
    assert item["archived"] is True
    assert item["archived_at"]
    assert set(item["counters"]) == {"responses", "total_responses", "invitations_and_responses"}
    assert item["counters"]["invitations_and_responses"] == len(held)
    assert item["counters"]["responses"] == sum(1 for n in held if n.initiator == "applicant")
    assert vacancy_id not in await _active_ids(client, admin)


async def test_no_new_response_or_invitation_reaches_an_archived_vacancy(
    client: httpx.AsyncClient, sandbox: HhSandbox
) -> None:
    vacancy_id = _own_active_vacancy(sandbox)
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/archive")
    before = len(sandbox.store.negotiations_of(vacancy_id))
    for kind in ("response", "invitation"):
        refused = await client.post(
            "/_sandbox/negotiations", json={"vacancy_id": vacancy_id, "kind": kind}
        )
        assert refused.status_code == 400
        assert "archived" in refused.json()["error"]
    assert len(sandbox.store.negotiations_of(vacancy_id)) == before


async def test_a_withdrawal_and_a_website_move_on_an_archived_vacancy_are_listed(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _own_active_vacancy(sandbox)
    fresh = [n for n in sandbox.store.negotiations_of(vacancy_id) if n.employer_state == "response"]
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/archive")
    before = await _totals(client, admin, vacancy_id)
    counters_before = (await _archived(client, admin))["items"]
    moved = await client.post(
        f"/_sandbox/negotiations/{fresh[0].id}/state", json={"employer_state": "consider"}
    )
    assert moved.status_code == 200, moved.text
    if len(fresh) > 1:
        withdrawn = await client.post(f"/_sandbox/negotiations/{fresh[1].id}/withdraw")
        assert withdrawn.status_code == 200, withdrawn.text
    after = await _totals(client, admin, vacancy_id)
    assert after["response"] == before["response"] - len(fresh[:2])
    assert after["consider"] == before["consider"] + 1
    item = await client.get(f"/negotiations/{fresh[0].id}", headers=admin)
    assert item.json()["employer_state"]["id"] == "consider"
    assert item.json()["messaging_status"] == "archived"
    # a move or a withdrawal adds or removes no negotiation: the archived counters stay
    assert (await _archived(client, admin))["items"] == counters_before


async def test_the_api_still_refuses_actions_on_an_archived_vacancy(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _own_active_vacancy(sandbox)
    negotiation = next(
        n for n in sandbox.store.negotiations_of(vacancy_id) if n.employer_state == "response"
    )
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/archive")
    refused = await client.put(f"/negotiations/consider/{negotiation.id}", headers=admin)
    assert refused.status_code == 403
    assert refused.json()["errors"] == [{"type": "negotiations", "value": "invalid_vacancy"}]


async def test_a_restored_vacancy_is_active_again_and_takes_responses(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _own_active_vacancy(sandbox)
    not_archived = await client.post(f"/_sandbox/vacancies/{vacancy_id}/restore")
    assert not_archived.status_code == 400
    assert "not archived" in not_archived.json()["error"]
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/archive")
    held = len(sandbox.store.negotiations_of(vacancy_id))
    restored = await client.post(f"/_sandbox/vacancies/{vacancy_id}/restore")
    assert restored.json() == {"id": vacancy_id, "archived": False}
    assert vacancy_id in await _active_ids(client, admin)
    assert vacancy_id not in {v["id"] for v in (await _archived(client, admin))["items"]}
    added = await client.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
    assert added.status_code == 201
    assert len(sandbox.store.negotiations_of(vacancy_id)) == held + 1
    unknown = await client.post("/_sandbox/vacancies/1/restore")
    assert unknown.status_code == 400


async def test_a_republished_vacancy_is_a_new_one_pointing_at_the_archived(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _own_active_vacancy(sandbox)
    assert (await client.post(f"/_sandbox/vacancies/{vacancy_id}/republish")).status_code == 400
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/archive")
    answer = await client.post(f"/_sandbox/vacancies/{vacancy_id}/republish")
    assert answer.status_code == 201
    new_id = answer.json()["id"]
    assert new_id != vacancy_id
    assert sandbox.store.vacancies[new_id].previous_id == vacancy_id
    assert sandbox.store.negotiations_of(new_id) == []
    assert new_id in await _active_ids(client, admin)
    assert vacancy_id in {v["id"] for v in (await _archived(client, admin))["items"]}


async def test_the_archived_list_is_the_callers_own_unless_manager_id_names_another(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    mine = _own_active_vacancy(sandbox, ADMIN_ID)
    theirs = _own_active_vacancy(sandbox, MANAGER_ID)
    for vid in (mine, theirs):
        await client.post(f"/_sandbox/vacancies/{vid}/archive")
    own = {v["id"] for v in (await _archived(client, admin))["items"]}
    # all_accessible is not a parameter of this list: hh.ru ignores it
    also_own = {v["id"] for v in (await _archived(client, admin, all_accessible="true"))["items"]}
    colleague = {v["id"] for v in (await _archived(client, admin, manager_id=MANAGER_ID))["items"]}
    assert mine in own
    assert theirs not in own
    assert also_own == own
    assert theirs in colleague
    assert mine not in colleague


async def test_only_the_active_list_names_a_vacancys_manager_and_a_colleague_archive_needs_rights(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, tokens: Any
) -> None:
    """hh.ru's examples: an active item has ``manager`` {id, ...}
    (``employers.vacancies.active``), an archived one has none (``employers.vacancies.archived``;
    ``VacanciesVacancyArchived`` lists no ``manager``); ``get-archived-vacancies`` answers 404 to
    a user with no right to view those archived vacancies."""
    theirs = _own_active_vacancy(sandbox, MANAGER_ID)
    answer = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active",
        headers=admin,
        params={"all_accessible": "true", "per_page": "50"},
    )
    item = next(v for v in answer.json()["items"] if v["id"] == theirs)
    assert item["manager"]["id"] == MANAGER_ID
    await client.post(f"/_sandbox/vacancies/{theirs}/archive")
    archived = await _archived(client, admin, manager_id=MANAGER_ID)
    assert "manager" not in next(v for v in archived["items"] if v["id"] == theirs)
    own = {v["id"] for v in (await _archived(client, bearer(await tokens(MANAGER_ID))))["items"]}
    assert theirs in own  # its own manager sees it without manager_id
    refused = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/archived",
        headers=bearer(await tokens(MANAGER_ID)),
        params={"manager_id": ADMIN_ID},
    )
    assert refused.status_code == 404
