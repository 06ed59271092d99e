"""Counters of the hh.ru sandbox that lag, freeze or reset on the admin API's word.

hh.ru calls a vacancy's and a collection's counters statistics (hh.ru OpenAPI spec,
``NegotiationsObjectsEmployerCounters`` «Объект со статистикой») and promises no freshness; these
knobs let the product's tests show that new responses still arrive when they lie."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, bearer

from hhsync.sandbox.hh.runtime import HhSandbox


@pytest.fixture
async def admin(tokens: Any) -> dict[str, str]:
    """Auth headers of the company admin of employer 1455."""
    return bearer(await tokens(ADMIN_ID))


def _vacancy_id(sandbox: HhSandbox) -> str:
    return min(
        v.id
        for v in sandbox.store.vacancies.values()
        if v.employer_id == EMPLOYER_ID and not v.archived
    )


async def _counters(
    client: httpx.AsyncClient, admin: dict[str, str], vacancy_id: str
) -> tuple[dict[str, int], int]:
    """The vacancy's counters and its response collection's total, as served now."""
    listed = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active",
        headers=admin,
        params={"all_accessible": "true"},
    )
    vacancy = next(v for v in listed.json()["items"] if v["id"] == vacancy_id)
    collections = await client.get(
        "/negotiations", params={"vacancy_id": vacancy_id}, headers=admin
    )
    response = next(c for c in collections.json()["collections"] if c["id"] == "response")
    return vacancy["counters"], response["counters"]["total"]


async def _respond(client: httpx.AsyncClient, vacancy_id: str) -> None:
    answer = await client.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
    assert answer.status_code == 201


async def test_frozen_counters_keep_their_value(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _vacancy_id(sandbox)
    before, total = await _counters(client, admin, vacancy_id)
    knob = await client.post(f"/_sandbox/vacancies/{vacancy_id}/counters", json={"mode": "frozen"})
    assert knob.json()["mode"] == "frozen"
    await _respond(client, vacancy_id)
    assert await _counters(client, admin, vacancy_id) == (before, total)
    await client.post(f"/_sandbox/vacancies/{vacancy_id}/counters", json={"mode": "live"})
    after, after_total = await _counters(client, admin, vacancy_id)
    assert after["responses"] == before["responses"] + 1
    assert after_total == total + 1


async def test_vacancy_counters_may_freeze_alone(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    """The design's reading of hh.ru (ARCHITECTURE.md "Counters and the reconcile"): a
    vacancy's own counters need not move when its negotiations do, while each collection's
    ``counters.total`` counts its members (hh.ru OpenAPI spec, ``NegotiationsObjectsStates``)."""
    vacancy_id = _vacancy_id(sandbox)
    before, total = await _counters(client, admin, vacancy_id)
    knob = await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/counters", json={"mode": "frozen", "scope": "vacancy"}
    )
    assert knob.status_code == 200
    await _respond(client, vacancy_id)
    assert await _counters(client, admin, vacancy_id) == (before, total + 1)
    refused = await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/counters", json={"mode": "frozen", "scope": "all"}
    )
    assert refused.status_code == 400
    assert "scope" in refused.json()["error"]


async def test_lagging_counters_show_the_past(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = _vacancy_id(sandbox)
    await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/counters", json={"mode": "lag", "lag_s": 600}
    )
    before, total = await _counters(client, admin, vacancy_id)
    await _respond(client, vacancy_id)
    await client.post("/_sandbox/clock/advance", json={"seconds": 300})
    assert await _counters(client, admin, vacancy_id) == (before, total)
    await client.post("/_sandbox/clock/advance", json={"seconds": 301})
    later, later_total = await _counters(client, admin, vacancy_id)
    assert later["responses"] == before["responses"] + 1
    assert later_total == total + 1


async def test_republication_resets_vacancy_counters_only(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    """A republished vacancy counts afresh (our reading; hh.ru documents nothing); its
    negotiations stay, so the collections keep counting them."""
    vacancy_id = _vacancy_id(sandbox)
    before, total = await _counters(client, admin, vacancy_id)
    assert before["responses"] > 0
    knob = await client.post(f"/_sandbox/vacancies/{vacancy_id}/counters", json={"reset": True})
    assert knob.json()["resets"] == 1
    reset, same_total = await _counters(client, admin, vacancy_id)
    assert reset["responses"] == 0
    assert reset["invitations_and_responses"] == 0
    assert reset["views"] == before["views"]
    assert same_total == total
    await _respond(client, vacancy_id)
    grown, _ = await _counters(client, admin, vacancy_id)
    assert grown["responses"] == 1


@pytest.mark.parametrize(
    ("body", "word"),
    [({}, "mode"), ({"mode": "slow"}, "mode"), ({"mode": "lag"}, "lag_s"), ({"reset": 1}, "reset")],
)
async def test_counter_knob_refuses_bad_input(
    client: httpx.AsyncClient, sandbox: HhSandbox, body: dict[str, Any], word: str
) -> None:
    answer = await client.post(f"/_sandbox/vacancies/{_vacancy_id(sandbox)}/counters", json=body)
    assert answer.status_code == 400
    assert word in answer.json()["error"]
