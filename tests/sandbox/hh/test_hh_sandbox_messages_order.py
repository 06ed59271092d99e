"""The hh.ru sandbox's conversations and collection order: an employer letter turns the
applicant's ``state``, an applicant's message moves the negotiation up the default order.

Sources: hhru/api ``docs/employer_negotiations.md`` (``state`` is the applicant-side state, the
one the applicant sees) and ``docs/negotiations.md`` (a state change comes with a message);
hh.ru OpenAPI spec: ``put-negotiations-collection-to-next-state`` (a ``message`` sent with the
change also changes the applicant-side state), ``get-negotiation-messages`` (cover letter,
employer letters, free messages; example ``NegotiationsMessageGet`` oldest first, a free
message in state ``text``), ``get-collection-negotiations-list`` (``order_by`` one of the
collection's ``order_types``; example ``NegotiationsEmployerListResponse``: the default
``last_change_time_except_employer_inbox`` "По дате создания и активности соискателя").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, SpecValidator, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.generator import generate
from hhsync.sandbox.hh.runtime import HhSandbox


@pytest.fixture
async def admin(tokens: Any) -> dict[str, str]:
    """Auth headers of the company admin of employer 1455."""
    return bearer(await tokens(ADMIN_ID))


def a_vacancy(sandbox: HhSandbox) -> str:
    return next(
        v.id
        for v in sorted(sandbox.store.vacancies.values(), key=lambda v: v.id)
        if v.employer_id == EMPLOYER_ID and not v.archived
    )


async def new_response(client: httpx.AsyncClient, vacancy_id: str) -> str:
    answer = await client.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def conversation(
    client: httpx.AsyncClient, admin: dict[str, str], nid: str, **params: str
) -> Any:
    answer = await client.get(f"/negotiations/{nid}/messages", headers=admin, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_an_employer_move_with_a_letter_turns_the_applicant_state(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, spec: SpecValidator
) -> None:
    vacancy_id = a_vacancy(sandbox)
    invited, refused, silent = [await new_response(client, vacancy_id) for _ in range(3)]

    moves = [
        (invited, {"employer_state": "interview", "message": "Приглашаем на собеседование."}),
        (refused, {"employer_state": "discard_by_employer", "message": "К сожалению, нет."}),
        (silent, {"employer_state": "consider"}),
    ]
    for nid, body in moves:
        moved = await client.post(f"/_sandbox/negotiations/{nid}/state", json=body)
        assert moved.status_code == 200, moved.text

    states = {
        nid: (await client.get(f"/negotiations/{nid}", headers=admin)).json()["state"]["id"]
        for nid in (invited, refused, silent)
    }
    assert states == {invited: "invitation", refused: "discard", silent: "response"}
    talk = await conversation(client, admin, invited)
    spec.check(talk, "NegotiationsMessagesGetResponse")
    authors = [(m["author"]["participant_type"], m["state"]["id"]) for m in talk["items"]]
    assert authors == [("applicant", "response"), ("employer", "invitation")]
    assert talk["items"][1]["text"] == "Приглашаем на собеседование."


async def test_an_empty_letter_is_refused_by_the_admin_move(
    client: httpx.AsyncClient, sandbox: HhSandbox
) -> None:
    nid = await new_response(client, a_vacancy(sandbox))
    answer = await client.post(
        f"/_sandbox/negotiations/{nid}/state", json={"employer_state": "interview", "message": " "}
    )
    assert answer.status_code == 400
    assert "message" in answer.json()["error"]
    assert sandbox.store.negotiations[nid].employer_state == "response"


def test_the_generated_world_has_responses_invited_with_a_letter() -> None:
    store = generate(1, datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    moved = [
        n
        for n in store.negotiations.values()
        if n.initiator == "applicant" and n.employer_state not in ("response", "consider")
    ]
    invited = [n for n in moved if n.applicant_state in ("invitation", "discard")]
    assert invited, "some moved responses must show the applicant's state changed"
    assert len(invited) < len(moved), "and some moves came without a letter"
    for negotiation in invited:
        assert negotiation.history[0].author == "applicant"
        assert negotiation.history[-1].author == "employer"
        assert negotiation.history[-1].state == negotiation.applicant_state


async def test_messages_page_is_strict_about_with_text_only(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    nid = next(
        n.id
        for n in sorted(sandbox.store.negotiations.values(), key=lambda n: n.id)
        if n.initiator == "applicant"
        and int(n.id) % 5 == 0
        and sandbox.store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
    )  # a response whose cover letter is empty (text: null)
    everything = await conversation(client, admin, nid)
    assert everything["items"][0]["text"] is None
    assert (await conversation(client, admin, nid, with_text_only="true"))["items"] == [
        m for m in everything["items"] if m["text"] is not None
    ]
    bad = await client.get(
        f"/negotiations/{nid}/messages", headers=admin, params={"with_text_only": "yes"}
    )
    assert bad.status_code == 400


async def test_the_applicant_writing_moves_it_up_the_default_order_and_employer_moves_do_not(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
    frozen: FrozenClock,
    spec: SpecValidator,
) -> None:
    vacancy_id = a_vacancy(sandbox)
    first, second, third = [await new_response(client, vacancy_id) for _ in range(3)]
    frozen.advance(3600)  # the following events come after every response

    async def top_three(order_by: str | None = None) -> list[str]:
        params = {"vacancy_id": vacancy_id, "per_page": "50"}
        if order_by is not None:
            params["order_by"] = order_by
        listed = (await client.get("/negotiations/response", headers=admin, params=params)).json()
        return [n["id"] for n in listed["items"][:3]]

    newest_first = [third, second, first]
    assert await top_three() == newest_first

    # The employer reading one is the employer's doing: no re-sort.
    await client.post("/negotiations/read", headers=admin, data={"topic_id": first})
    assert await top_three() == newest_first

    wrote = await client.post(
        f"/_sandbox/negotiations/{first}/applicant_message", json={"text": "Есть новости?"}
    )
    assert wrote.status_code == 200, wrote.text
    assert await top_three() == [first, third, second]
    assert await top_three("created_at") == newest_first  # creation order ignores activity

    item = (await client.get(f"/negotiations/{first}", headers=admin)).json()
    assert item["has_updates"] is True
    assert item["counters"]["messages"] == 2
    talk = await conversation(client, admin, first)
    spec.check(talk, "NegotiationsMessagesGetResponse")
    last = talk["items"][-1]
    assert (last["author"]["participant_type"], last["state"]["id"], last["text"]) == (
        "applicant",
        "text",
        "Есть новости?",
    )


async def test_an_employer_move_keeps_the_place_in_the_default_order(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, frozen: FrozenClock
) -> None:
    vacancy_id = a_vacancy(sandbox)
    older, newer = [await new_response(client, vacancy_id) for _ in range(2)]
    frozen.advance(3600)
    for nid in (older, newer):
        moved = await client.post(
            f"/_sandbox/negotiations/{nid}/state", json={"employer_state": "consider"}
        )
        assert moved.status_code == 200
    frozen.advance(60)
    await client.post(f"/_sandbox/negotiations/{newer}/state", json={"employer_state": "consider"})
    again = await client.post(
        f"/_sandbox/negotiations/{older}/state", json={"employer_state": "consider"}
    )
    assert again.status_code == 200
    listed = (
        await client.get(
            "/negotiations/consider",
            headers=admin,
            params={"vacancy_id": vacancy_id, "per_page": "50"},
        )
    ).json()
    ids = [n["id"] for n in listed["items"]]
    assert ids.index(newer) < ids.index(older)  # the later employer move did not lift "older"
    assert listed["ordered_by"]["id"] == "last_change_time_except_employer_inbox"


@pytest.mark.parametrize("order_by", ["updated_at", "LAST_CHANGE_TIME_EXCEPT_EMPLOYER_INBOX", ""])
async def test_an_unknown_order_is_a_400(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, order_by: str
) -> None:
    answer = await client.get(
        "/negotiations/response",
        headers=admin,
        params={"vacancy_id": a_vacancy(sandbox), "order_by": order_by},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["type"] == "bad_argument"
