"""Employer states of the hh.ru sandbox beyond the fixed pipeline: the ``discard_*`` family in the
refusal collection, employer-defined funnel stages with their sub-collections and
``funnel_stage``, and an applicant's withdrawal.

Sources. The hh.ru OpenAPI spec (tests/sandbox/hh/hh-openapi.yml), tag «Отклики/приглашения
работодателя»: the employer states «зависят от вакансии и работодателя» and are listed per
vacancy in ``employer_states`` of ``get-negotiations``; a negotiation need not sit in a
collection of its state's name. hhru/api ``docs/employer_negotiations.md`` (at 3cf9464, its last
full text) says the same («Не стоит полагаться на то, что … оно будет входить в известные
коллекции»). Neither the spec nor the hhru/api docs at any commit name ``discard_by_applicant``,
``discard_no_interaction``, ``discard_vacancy_closed`` or ``discard_to_other_vacancy``: they are
known from public integrations only. ``discard_vacancy_closed`` is the ``to_state`` of hh.ru's
``NEGOTIATION_EMPLOYER_STATE_CHANGE`` webhook handled by wygnd/bitrix24
(``gateway/src/modules/bitrix/application/use-cases/headhunter/headhunter.use-case.ts``); the
other three appear, with that one, in public third-party hh.ru clients' state tables, whose
repositories the public code index does not name. The spec's own ``employer_states`` example
(``NegotiationsEmployerListResponse``) lists ``response``, ``invitation``, ``discard`` and
``discard_after_interview`` («Отказ после интервью»); ``discard_after_interview`` and
``discard_after_response`` are also message template ids (``get-message-template``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, SpecValidator, bearer

from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.sandbox.hh.states import SYSTEM_DISCARD_STATES


@pytest.fixture
async def admin(tokens: Any) -> dict[str, str]:
    """Auth headers of the company admin of employer 1455."""
    return bearer(await tokens(ADMIN_ID))


def _vacancy_of_1455(sandbox: HhSandbox) -> str:
    """An active vacancy of employer 1455 without funnel stages (a clean slate)."""
    store = sandbox.store
    for vacancy in sorted(store.vacancies.values(), key=lambda v: v.id):
        if (
            vacancy.employer_id == EMPLOYER_ID
            and not vacancy.archived
            and not any(s.vacancy_id == vacancy.id for s in store.funnels.stages.values())
        ):
            return vacancy.id
    raise AssertionError("no plain active vacancy")


async def _new_response(client: httpx.AsyncClient, vacancy_id: str) -> str:
    answer = await client.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
    assert answer.status_code == 201
    nid: str = answer.json()["id"]
    return nid


async def _collections(
    client: httpx.AsyncClient, admin: dict[str, str], vacancy_id: str
) -> dict[str, dict[str, Any]]:
    answer = await client.get("/negotiations", params={"vacancy_id": vacancy_id}, headers=admin)
    assert answer.status_code == 200
    return {c["id"]: c for c in answer.json()["collections"]}


async def _ids(client: httpx.AsyncClient, admin: dict[str, str], url: str) -> set[str]:
    listed = await client.get(f"{url}&per_page=50", headers=admin)
    assert listed.status_code == 200
    return {item["id"] for item in listed.json()["items"]}


async def test_withdrawal_moves_a_response_to_discard_by_applicant(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, spec: SpecValidator
) -> None:
    """``discard_by_applicant`` (public integrations, see the module's sources) is what the
    employer sees after a withdrawal; the spec warns a state need not map to a collection of its
    name, so it is listed in the refusal collection; it carries updates (``has_updates``,
    ``NegotiationsNegotiationGetResponse``) and no action (``actions[].resulting_employer_state``)
    leads back to it."""
    vacancy_id = _vacancy_of_1455(sandbox)
    nid = await _new_response(client, vacancy_id)
    answer = await client.post(f"/_sandbox/negotiations/{nid}/withdraw")
    assert answer.json()["employer_state"] == "discard_by_applicant"
    again = await client.post(f"/_sandbox/negotiations/{nid}/withdraw")
    assert again.status_code == 400
    collections = await _collections(client, admin, vacancy_id)
    assert "discard_by_applicant" not in collections
    assert nid in await _ids(client, admin, collections["discard_by_employer"]["url"])
    assert nid not in await _ids(client, admin, collections["response"]["url"])
    item = (await client.get(f"/negotiations/{nid}", headers=admin)).json()
    spec.check(item, "NegotiationsNegotiationGetResponse")
    assert item["employer_state"] == {"id": "discard_by_applicant", "name": "Отказ соискателя"}
    assert item["state"]["id"] == "hidden"
    assert item["has_updates"] is True
    assert item["funnel_stage"]["state"]["id"] == "discard_by_applicant"
    targets = {a["resulting_employer_state"]["id"] for a in item["actions"]}
    assert not targets & set(SYSTEM_DISCARD_STATES)
    refused = await client.put(f"/negotiations/discard_no_interaction/{nid}", headers=admin)
    assert refused.status_code == 403


async def test_collections_list_every_discard_state_hh_names(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    """hh.ru OpenAPI spec ``employer_states`` of ``GET /negotiations?vacancy_id=``: the states a
    vacancy's negotiations can be in, here with the ``discard_*`` family (public integrations,
    see the module's sources); each one set on a negotiation lands in the refusal collection."""
    vacancy_id = _vacancy_of_1455(sandbox)
    answer = await client.get("/negotiations", params={"vacancy_id": vacancy_id}, headers=admin)
    states = {s["id"] for s in answer.json()["employer_states"]}
    assert set(SYSTEM_DISCARD_STATES) <= states
    moved = []
    for state in SYSTEM_DISCARD_STATES:
        nid = await _new_response(client, vacancy_id)
        await client.post(f"/_sandbox/negotiations/{nid}/state", json={"employer_state": state})
        moved.append(nid)
    refusals = (await _collections(client, admin, vacancy_id))["discard_by_employer"]
    assert set(moved) <= await _ids(client, admin, refusals["url"])


async def test_funnel_stage_makes_sub_collections(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, spec: SpecValidator
) -> None:
    """hh.ru OpenAPI spec ``NegotiationsObjectsStates.sub_collections`` and the example
    ``NegotiationsEmployerListResponse``: exactly one ``root_collection`` («Остальные»), the
    collection's total counts every sub-collection; ``EmployersFunnelStage`` gives the member its
    stage id and ``substate.name``. The collection's own URL lists only the root (our stricter
    reading: the spec does not say), so only the sub-collection lists the staged member."""
    vacancy_id = _vacancy_of_1455(sandbox)
    plain, staged = await _new_response(client, vacancy_id), await _new_response(client, vacancy_id)
    for nid in (plain, staged):
        await client.post(
            f"/_sandbox/negotiations/{nid}/state", json={"employer_state": "interview"}
        )
    created = await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/funnel_stages",
        json={"collection": "interview", "name": "Интервью с руководителем"},
    )
    assert created.status_code == 201
    stage = created.json()
    placed = await client.post(
        f"/_sandbox/negotiations/{staged}/funnel_stage", json={"funnel_stage_id": stage["id"]}
    )
    assert placed.json()["employer_state"] == "interview"
    answer = await client.get("/negotiations", params={"vacancy_id": vacancy_id}, headers=admin)
    spec.check(answer.json(), "NegotiationsListResponse")
    interview = {c["id"]: c for c in answer.json()["collections"]}["interview"]
    subs = {s["id"]: s for s in interview["sub_collections"]}
    assert [s["root_collection"] for s in interview["sub_collections"]] == [True, False]
    assert subs["interview_1"]["name"] == "Остальные"
    assert subs[stage["sub_collection_id"]]["name"] == "Интервью с руководителем"
    assert interview["counters"]["total"] == sum(s["counters"]["total"] for s in subs.values())
    in_root = await _ids(client, admin, subs["interview_1"]["url"])
    in_stage = await _ids(client, admin, subs[stage["sub_collection_id"]]["url"])
    assert plain in in_root
    assert staged not in in_root
    assert staged in in_stage
    assert plain not in in_stage
    assert await _ids(client, admin, interview["url"]) == in_root
    item = (await client.get(f"/negotiations/{staged}", headers=admin)).json()
    spec.check(item, "NegotiationsNegotiationGetResponse")
    assert item["funnel_stage"] == {
        "id": stage["id"],
        "state": {"id": "interview", "name": "Интервью"},
        "substate": {"name": "Интервью с руководителем"},
    }
    # Another state move takes it out of the custom stage.
    await client.post(f"/_sandbox/negotiations/{staged}/state", json={"employer_state": "offer"})
    moved = (await client.get(f"/negotiations/{staged}", headers=admin)).json()
    assert moved["funnel_stage"]["substate"] is None
    unknown = await client.get(
        "/negotiations/interview_9", params={"vacancy_id": vacancy_id}, headers=admin
    )
    assert unknown.status_code == 404


async def test_funnel_stage_admin_refuses_bad_input(
    client: httpx.AsyncClient, sandbox: HhSandbox
) -> None:
    """The admin API's rule: bad input is a 400 naming the field."""
    vacancy_id = _vacancy_of_1455(sandbox)
    bad = await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/funnel_stages", json={"collection": "nope", "name": "x"}
    )
    assert bad.status_code == 400
    assert "collection" in bad.json()["error"]
    nid = await _new_response(client, vacancy_id)
    wrong = await client.post(
        f"/_sandbox/negotiations/{nid}/funnel_stage", json={"funnel_stage_id": "1"}
    )
    assert wrong.status_code == 400


def test_generator_makes_a_share_of_the_new_states(sandbox: HhSandbox) -> None:
    """The generated world holds ``discard_*`` states hh.ru sets, withdrawn responses and
    negotiations inside employer-defined stages (hh.ru OpenAPI spec, ``funnel_stage`` and
    ``NegotiationsObjectsStates.sub_collections``)."""
    store = sandbox.store
    states = {n.employer_state for n in store.negotiations.values()}
    assert set(SYSTEM_DISCARD_STATES) <= states
    withdrawn = [
        n for n in store.negotiations.values() if n.employer_state == "discard_by_applicant"
    ]
    assert all(n.initiator == "applicant" for n in withdrawn)
    assert store.funnels.stages
    assert store.funnels.placement
    for nid in store.funnels.placement:
        stage = store.funnels.stage_of(nid)
        assert stage is not None
        assert stage.vacancy_id == store.negotiations[nid].vacancy_id


async def test_a_listing_refuses_an_order_its_own_order_types_do_not_offer(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    """hh.ru OpenAPI spec, ``get-collection-negotiations-list``: ``order_by`` takes the values the
    listing's ``order_types`` name; the example ``NegotiationsEmployerListResponse`` gives a
    collection split into sub-collections no ``created_at`` and each sub-collection its own
    ``created_at``. Anything else is the list's documented 400 ``bad_argument`` (same operation),
    naming ``order_by`` in the body hhru/api docs/errors.md describes."""
    vacancy_id = _vacancy_of_1455(sandbox)
    plain = (await _collections(client, admin, vacancy_id))["response"]
    assert "created_at" in {o["id"] for o in plain["order_types"]}
    assert (await client.get(f"{plain['url']}&order_by=created_at", headers=admin)).is_success
    await client.post(
        f"/_sandbox/vacancies/{vacancy_id}/funnel_stages",
        json={"collection": "consider", "name": "Кадровый резерв"},
    )
    split = (await _collections(client, admin, vacancy_id))["consider"]
    parent_orders = {o["id"] for o in split["order_types"]}
    assert "created_at" not in parent_orders
    refused = await client.get(f"{split['url']}&order_by=created_at", headers=admin)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"type": "bad_argument", "value": "order_by"}]
    for order in parent_orders:
        assert (await client.get(f"{split['url']}&order_by={order}", headers=admin)).is_success
    for sub in split["sub_collections"]:
        offered = {o["id"] for o in sub["order_types"]}
        assert "created_at" in offered
        for order in offered:
            listed = await client.get(f"{sub['url']}&order_by={order}", headers=admin)
            assert listed.status_code == 200, listed.text
            assert listed.json()["ordered_by"]["id"] == order
        refused = await client.get(f"{sub['url']}&order_by=relevance", headers=admin)
        assert refused.status_code == 400


def test_generator_leaves_some_system_refusals_unread(sandbox: HhSandbox) -> None:
    """The ``discard_*`` states hh.ru sets itself (public integrations, see the module's sources)
    refuse responses the employer never took up, so some are still unread; reading the
    conversation (hh.ru OpenAPI spec, tag «Отклики/приглашения работодателя») is what would mark
    them viewed."""
    refused = [
        n for n in sandbox.store.negotiations.values() if n.employer_state in SYSTEM_DISCARD_STATES
    ]
    assert all(n.initiator == "applicant" for n in refused)
    unread = [n for n in refused if not n.viewed_by_employer]
    assert unread, "some system refusals must be unread"
    assert len(unread) < len(refused)


def _other_vacancy_of_1455(sandbox: HhSandbox, besides: str) -> str:
    store = sandbox.store
    for vacancy in sorted(store.vacancies.values(), key=lambda v: v.id):
        if vacancy.employer_id == EMPLOYER_ID and not vacancy.archived and vacancy.id != besides:
            return vacancy.id
    raise AssertionError("no second active vacancy")


async def test_a_move_to_another_vacancy_refuses_the_old_and_responds_on_the_new(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, spec: SpecValidator
) -> None:
    """``discard_to_other_vacancy`` is a state hh.ru sets itself (public integrations, see the
    module's sources), listed in the refusal collection; the response itself continues on the
    other vacancy as a new negotiation (a response is made «одним резюме на одну вакансию»:
    hhru/api ``docs/employer_negotiations.md`` at 3cf9464; the spec's mail template
    ``another_vacancy_response_invite_mail``). Every check runs before
    anything moves."""
    source = _vacancy_of_1455(sandbox)
    target = _other_vacancy_of_1455(sandbox, source)
    nid = await _new_response(client, source)
    before = len(sandbox.store.negotiations)

    for bad in ({"vacancy_id": source}, {"vacancy_id": "999999"}, {}):
        refused = await client.post(f"/_sandbox/negotiations/{nid}/move_to_vacancy", json=bad)
        assert refused.status_code == 400, bad
    assert len(sandbox.store.negotiations) == before
    assert sandbox.store.negotiations[nid].employer_state == "response"

    answer = await client.post(
        f"/_sandbox/negotiations/{nid}/move_to_vacancy", json={"vacancy_id": target}
    )
    assert answer.status_code == 200
    moved = answer.json()
    assert moved["employer_state"] == "discard_to_other_vacancy"
    new_id = moved["new_id"]
    assert new_id != nid

    old_collections = await _collections(client, admin, source)
    assert nid in await _ids(client, admin, old_collections["discard_by_employer"]["url"])
    assert nid not in await _ids(client, admin, old_collections["response"]["url"])
    new_collections = await _collections(client, admin, target)
    assert new_id in await _ids(client, admin, new_collections["response"]["url"])
    item = (await client.get(f"/negotiations/{new_id}", headers=admin)).json()
    spec.check(item, "NegotiationsNegotiationGetResponse")
    assert item["vacancy"]["id"] == target
    assert item["state"]["id"] == "response"
    assert item["resume"]["id"] == sandbox.store.negotiations[nid].resume_id

    again = await client.post(
        f"/_sandbox/negotiations/{nid}/move_to_vacancy", json={"vacancy_id": target}
    )
    assert again.status_code == 400
