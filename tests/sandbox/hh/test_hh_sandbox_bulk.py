"""The hh.ru sandbox's bulk admin call: a vacancy with thousands of responses, listed as hh.ru
lists any collection (hh.ru OpenAPI spec, ``get-collection-negotiations-list``: ``found``,
``per_page`` at most 50, paging no deeper than the depth, 2,000 in the strict profile)."""

from __future__ import annotations

from typing import Any

import httpx
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, bearer

from hhsync.sandbox.hh.runtime import HhSandbox


def _plain_vacancy(sandbox: HhSandbox) -> str:
    return min(
        v.id
        for v in sandbox.store.vacancies.values()
        if v.employer_id == EMPLOYER_ID and not v.archived
    )


async def test_bulk_adds_responses_listed_up_to_the_depth(
    client: httpx.AsyncClient, sandbox: HhSandbox, tokens: Any
) -> None:
    vacancy_id = _plain_vacancy(sandbox)
    before = len(sandbox.store.negotiations_of(vacancy_id))
    answer = await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/negotiations/bulk", json={"count": 2100}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["added"] == 2100
    mine = sandbox.store.negotiations_of(vacancy_id)
    assert len(mine) == before + 2100
    added = [n for n in mine if int(n.id) >= int(answer.json()["first_id"])]
    assert {n.employer_state for n in added} == {"response"}
    assert len({n.resume_id for n in added}) == 2100  # each from its own applicant
    assert [n.created_at for n in added] == sorted(n.created_at for n in added)

    admin = bearer(await tokens(ADMIN_ID))
    params = {"vacancy_id": vacancy_id, "per_page": 50}
    first = await client.get("/negotiations/response", params=params, headers=admin)
    assert first.status_code == 200
    assert first.json()["found"] >= 2100
    assert len(first.json()["items"]) == 50
    deep = await client.get("/negotiations/response", params={**params, "page": 40}, headers=admin)
    assert deep.status_code == 400  # page 40 x 50 = 2,000: past the strict depth


async def test_bulk_applicants_may_have_deleted_their_resumes(
    client: httpx.AsyncClient, sandbox: HhSandbox, tokens: Any
) -> None:
    vacancy_id = _plain_vacancy(sandbox)
    answer = await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/negotiations/bulk",
        json={"count": 3, "deleted_resumes": True, "spread_s": 0},
    )
    assert answer.status_code == 201, answer.text
    admin = bearer(await tokens(ADMIN_ID))
    listed = await client.get(
        "/negotiations/response", params={"vacancy_id": vacancy_id}, headers=admin
    )
    items = {i["id"]: i for i in listed.json()["items"]}
    first, last = int(answer.json()["first_id"]), int(answer.json()["last_id"])
    added = [items[str(n)] for n in range(first, last + 1)]
    assert [i["resume"] for i in added] == [None, None, None]  # hh.ru shows a deleted resume so


async def test_bulk_refuses_bad_input(client: httpx.AsyncClient, sandbox: HhSandbox) -> None:
    vacancy_id = _plain_vacancy(sandbox)
    path = f"/_sandbox/vacancies/{vacancy_id}/negotiations/bulk"
    bad = (
        {},
        {"count": 0},
        {"count": "5"},
        {"count": 5, "spread_s": -1},
        {"count": 5, "deleted_resumes": "yes"},
    )
    for body in bad:
        answer = await client.post(path, json=body)
        assert answer.status_code == 400
        assert answer.json()["error"]
    unknown = await client.post("/_sandbox/vacancies/1/negotiations/bulk", json={"count": 1})
    assert unknown.status_code == 400
    bad_state = await client.post(path, json={"count": 1, "employer_state": "nope"})
    assert bad_state.status_code == 400
    assert "nope" in bad_state.json()["error"]
