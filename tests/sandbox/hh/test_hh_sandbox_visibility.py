"""Who sees what: a manager sees only its own vacancies; a company admin may see all; other
employers' resources are 404, never 403 (hh.ru OpenAPI spec; hhru/api docs/errors.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, MANAGER_ID, OTHER_EMPLOYER_ID, bearer

from hhsync.sandbox.hh.runtime import HhSandbox


def own_vacancies(sandbox: HhSandbox, manager_id: str) -> set[str]:
    """Active vacancies owned by one manager."""
    return {
        v.id
        for v in sandbox.store.vacancies.values()
        if v.manager_id == manager_id and not v.archived
    }


def colleague_vacancy(sandbox: HhSandbox) -> str:
    """An active vacancy of employer 1455 that MANAGER_ID does not own."""
    return sorted(
        v.id
        for v in sandbox.store.vacancies.values()
        if v.employer_id == EMPLOYER_ID and v.manager_id != MANAGER_ID and not v.archived
    )[0]


async def _active(client: httpx.AsyncClient, pair: dict[str, Any], **params: str) -> httpx.Response:
    return await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active", headers=bearer(pair), params=params
    )


async def test_manager_sees_only_own_vacancies(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    pair = await tokens(MANAGER_ID)
    default = await _active(client, pair)
    assert {v["id"] for v in default.json()["items"]} == own_vacancies(sandbox, MANAGER_ID)
    everything = await _active(client, pair, all_accessible="true")
    assert {v["id"] for v in everything.json()["items"]} == own_vacancies(sandbox, MANAGER_ID)
    assert (await _active(client, pair, manager_id=ADMIN_ID)).status_code == 404


async def test_admin_lists_all_or_one_manager(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    pair = await tokens(ADMIN_ID)
    default = await _active(client, pair)
    assert {v["id"] for v in default.json()["items"]} == own_vacancies(sandbox, ADMIN_ID)
    everything = await _active(client, pair, all_accessible="true")
    assert everything.json()["found"] == 6
    one = await _active(client, pair, manager_id=MANAGER_ID)
    assert {v["id"] for v in one.json()["items"]} == own_vacancies(sandbox, MANAGER_ID)


async def test_manager_filters_are_mutually_exclusive(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    pair = await tokens(ADMIN_ID)
    answer = await _active(client, pair, all_accessible="true", manager_id=ADMIN_ID)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["type"] == "bad_argument"


async def test_other_employer_is_not_found(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    pair = await tokens(ADMIN_ID)
    for path in (
        f"/employers/{OTHER_EMPLOYER_ID}/vacancies/active",
        f"/employers/{OTHER_EMPLOYER_ID}/managers",
    ):
        answer = await client.get(path, headers=bearer(pair))
        assert answer.status_code == 404
        assert answer.json()["errors"] == [{"type": "not_found"}]
    foreign = next(
        v.id for v in sandbox.store.vacancies.values() if v.employer_id == OTHER_EMPLOYER_ID
    )
    answer = await client.get("/negotiations", params={"vacancy_id": foreign}, headers=bearer(pair))
    assert answer.status_code == 404


async def test_manager_cannot_reach_a_colleagues_negotiations(
    client: httpx.AsyncClient,
    tokens: Any,
    sandbox: HhSandbox,
) -> None:
    vacancy = colleague_vacancy(sandbox)
    manager, admin = bearer(await tokens(MANAGER_ID)), bearer(await tokens(ADMIN_ID))
    assert (
        await client.get("/negotiations", params={"vacancy_id": vacancy}, headers=manager)
    ).status_code == 404
    assert (
        await client.get("/negotiations", params={"vacancy_id": vacancy}, headers=admin)
    ).status_code == 200
    negotiation = next(
        n
        for n in sandbox.store.negotiations_of(vacancy)
        if not sandbox.store.resumes[n.resume_id].deleted
    )
    assert (await client.get(f"/negotiations/{negotiation.id}", headers=manager)).status_code == 404
    resume_url = f"/resumes/{negotiation.resume_id}?topic_id={negotiation.id}"
    visible_elsewhere = any(
        n.resume_id == negotiation.resume_id
        and sandbox.store.vacancies[n.vacancy_id].manager_id == MANAGER_ID
        for n in sandbox.store.negotiations.values()
    )
    assert (await client.get(resume_url, headers=manager)).status_code == 404
    if not visible_elsewhere:
        plain = await client.get(f"/resumes/{negotiation.resume_id}", headers=manager)
        assert plain.status_code == 404


async def test_managers_list_hides_colleague_counts_from_non_admins(
    client: httpx.AsyncClient,
    tokens: Any,
) -> None:
    """hh.ru OpenAPI spec, ``EmployerManagersEmployerManagerInfo.vacancies_count``: null "если у
    пользователя нет прав на просмотр вакансий этого менеджера"; a non-admin lists managers only
    with the right (``get-employer-managers`` 403 otherwise)."""
    granted = await client.post(
        f"/_sandbox/managers/{MANAGER_ID}/rights", json={"list_managers": True}
    )
    assert granted.status_code == 200
    listed = await client.get(
        f"/employers/{EMPLOYER_ID}/managers", headers=bearer(await tokens(MANAGER_ID))
    )
    counts = {m["id"]: m["vacancies_count"] for m in listed.json()["items"]}
    assert counts[ADMIN_ID] is None
    assert isinstance(counts[MANAGER_ID], int)
    as_admin = await client.get(
        f"/employers/{EMPLOYER_ID}/managers", headers=bearer(await tokens(ADMIN_ID))
    )
    assert all(isinstance(m["vacancies_count"], int) for m in as_admin.json()["items"])


@pytest.mark.parametrize("account", ["0", "99999"])
async def test_unknown_manager_account_header(
    client: httpx.AsyncClient, tokens: Any, account: str
) -> None:
    answer = await client.get(
        "/me", headers={**bearer(await tokens(ADMIN_ID)), "X-Manager-Account-Id": account}
    )
    assert answer.status_code == 403
    assert answer.json()["errors"] == [
        {"type": "manager_extra_accounts", "value": "manager_extra_account_not_found"}
    ]


async def test_without_paid_api_access_negotiations_are_refused(
    client: httpx.AsyncClient,
    tokens: Any,
    sandbox: HhSandbox,
) -> None:
    pair = await tokens(ADMIN_ID)
    vacancy = colleague_vacancy(sandbox)
    switched = await client.post(
        f"/_sandbox/employers/{EMPLOYER_ID}/paid_access", json={"enabled": False}
    )
    assert switched.status_code == 200
    refused = await client.get(
        "/negotiations", params={"vacancy_id": vacancy}, headers=bearer(pair)
    )
    assert refused.status_code == 403
    assert refused.json()["errors"] == [
        {"type": "api_access_payment", "value": "action_must_be_payed"}
    ]
    assert (await client.get("/me", headers=bearer(pair))).status_code == 200
    await client.post(f"/_sandbox/employers/{EMPLOYER_ID}/paid_access", json={"enabled": True})
    assert (
        await client.get("/negotiations", params={"vacancy_id": vacancy}, headers=bearer(pair))
    ).status_code == 200
