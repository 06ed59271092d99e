"""Negotiations of the hh.ru sandbox: collections and counters, paging and order, state changes,
viewed marks, and the resume seen from a negotiation (contacts, hidden fields, deletion, PDF)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, SpecValidator, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.sandbox.hh.store import Negotiation

PHONE = re.compile(r"^\+7 \(\d{3}\) \d{3}-\d{2}-\d{2}$")
HH_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0300$")


@pytest.fixture
async def admin(tokens: Any) -> dict[str, str]:
    """Auth headers of the company admin of employer 1455."""
    return bearer(await tokens(ADMIN_ID))


def active_vacancies(sandbox: HhSandbox) -> list[str]:
    """Active vacancies of employer 1455."""
    return sorted(
        v.id
        for v in sandbox.store.vacancies.values()
        if v.employer_id == EMPLOYER_ID and not v.archived
    )


def pick(
    sandbox: HhSandbox, state: str = "response", hidden: str | None = None, deleted: bool = False
) -> Negotiation:
    """A negotiation of employer 1455 on an active vacancy matching the wishes."""
    store = sandbox.store
    for negotiation in sorted(store.negotiations.values(), key=lambda n: n.id):
        vacancy = store.vacancies[negotiation.vacancy_id]
        resume = store.resumes[negotiation.resume_id]
        if (
            vacancy.employer_id == EMPLOYER_ID
            and not vacancy.archived
            and negotiation.employer_state == state
            and resume.deleted == deleted
            and (hidden is None or hidden in resume.hidden_fields)
        ):
            return negotiation
    raise AssertionError("no such negotiation in the generated world")


async def _vacancy(
    client: httpx.AsyncClient, admin: dict[str, str], vacancy_id: str
) -> dict[str, Any]:
    listed = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active",
        headers=admin,
        params={"all_accessible": "true"},
    )
    item: dict[str, Any] = next(v for v in listed.json()["items"] if v["id"] == vacancy_id)
    return item


async def test_counters_agree_with_collections_and_lists(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    for vacancy_id in active_vacancies(sandbox):
        vacancy = await _vacancy(client, admin, vacancy_id)
        collections = (
            await client.get("/negotiations", params={"vacancy_id": vacancy_id}, headers=admin)
        ).json()["collections"]
        total = sum(c["counters"]["total"] for c in collections)
        assert total == vacancy["counters"]["invitations_and_responses"]
        assert vacancy["counters"]["responses"] + vacancy["counters"]["invitations"] == total
        with_updates = sum(c["counters"]["with_updates"] for c in collections)
        assert vacancy["has_updates"] is (with_updates > 0)
        unread = await client.get(
            "/negotiations/response",
            headers=admin,
            params={"vacancy_id": vacancy_id, "show_only_new_responses": "true", "per_page": 50},
        )
        unread_ids = {n["id"] for n in unread.json()["items"]}
        expected = {
            n.id
            for n in sandbox.store.negotiations_of(vacancy_id)
            if n.initiator == "applicant"
            and not n.viewed_by_employer
            and n.employer_state == "response"
        }
        assert unread_ids == expected


async def test_paging_covers_every_item_once(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = active_vacancies(sandbox)[0]
    for _ in range(45):
        await client.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
    expected = {
        n.id for n in sandbox.store.negotiations_of(vacancy_id) if n.employer_state == "response"
    }
    seen: list[str] = []
    page, pages = 0, 1
    while page < pages:
        listed = (
            await client.get(
                "/negotiations/response",
                headers=admin,
                params={"vacancy_id": vacancy_id, "page": page, "per_page": 7},
            )
        ).json()
        assert listed["found"] == len(expected)
        assert listed["pages"] == -(-len(expected) // 7)
        assert listed["page"] == page
        assert listed["per_page"] == 7
        assert len(listed["items"]) <= 7
        seen.extend(n["id"] for n in listed["items"])
        pages = listed["pages"]
        page += 1
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("order_by", "key"),
    [
        ("last_change_time_except_employer_inbox", "updated_at"),
        ("created_at", "created_at"),
    ],
)
async def test_ordering(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, order_by: str, key: str
) -> None:
    vacancy_id = active_vacancies(sandbox)[0]
    listed = (
        await client.get(
            "/negotiations/response",
            headers=admin,
            params={"vacancy_id": vacancy_id, "order_by": order_by},
        )
    ).json()
    assert listed["ordered_by"]["id"] == order_by
    stamps = [datetime.strptime(n[key], "%Y-%m-%dT%H:%M:%S%z") for n in listed["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(HH_DATE.match(n[key]) for n in listed["items"])


async def test_bad_collection_requests(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = active_vacancies(sandbox)[0]
    no_vacancy = await client.get("/negotiations/response", headers=admin)
    assert no_vacancy.status_code == 400
    assert no_vacancy.json()["errors"] == [{"type": "bad_argument", "value": "vacancy_id"}]
    assert (await client.get("/negotiations", headers=admin)).status_code == 400
    unknown = await client.get(
        "/negotiations/all", headers=admin, params={"vacancy_id": vacancy_id}
    )
    assert unknown.status_code == 404  # there is no "all" collection
    bad_order = await client.get(
        "/negotiations/response",
        headers=admin,
        params={"vacancy_id": vacancy_id, "order_by": "salary"},
    )
    assert bad_order.status_code == 400
    ignored = await client.get(
        "/negotiations/response",
        headers=admin,
        params={"vacancy_id": vacancy_id, "no_such_param": "1"},
    )
    assert ignored.status_code == 200  # unknown parameters are ignored, as on hh.ru


async def test_state_change_moves_between_collections(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
    frozen: FrozenClock,
) -> None:
    negotiation = pick(sandbox, "response")
    before = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    action = next(a for a in before["actions"] if a["id"] == "interview")
    frozen.advance(60)
    moved = await client.put(action["url"].replace("http://hh.test", ""), headers=admin)
    assert moved.status_code == 204
    assert moved.content == b""
    after = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    assert after["employer_state"]["id"] == "interview"
    assert after["updated_at"] > before["updated_at"]  # same format and offset: sortable
    assert after["state"]["id"] == "response"  # silent move: no message, applicant state kept
    interview = await client.get(
        "/negotiations/interview",
        headers=admin,
        params={"vacancy_id": negotiation.vacancy_id, "per_page": 50},
    )
    assert negotiation.id in {n["id"] for n in interview.json()["items"]}
    response = await client.get(
        "/negotiations/response",
        headers=admin,
        params={"vacancy_id": negotiation.vacancy_id, "per_page": 50},
    )
    assert negotiation.id not in {n["id"] for n in response.json()["items"]}


async def test_state_change_with_message_invites_the_applicant(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    negotiation = pick(sandbox, "response")
    answer = await client.put(
        f"/negotiations/phone_interview/{negotiation.id}",
        headers=admin,
        data={"message": "Приходите на собеседование"},
    )
    assert answer.status_code == 204
    detail = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    assert detail["state"]["id"] == "invitation"


async def test_state_change_refusals(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    negotiation = pick(sandbox, "response")
    same = await client.put(f"/negotiations/response/{negotiation.id}", headers=admin)
    assert same.status_code == 403
    assert same.json()["errors"] == [{"type": "negotiations", "value": "wrong_state"}]
    empty = await client.put(
        f"/negotiations/consider/{negotiation.id}", headers=admin, data={"message": ""}
    )
    assert empty.json()["errors"] == [{"type": "negotiations", "value": "empty_message"}]
    missing = await client.put("/negotiations/consider/1", headers=admin)
    assert missing.status_code == 404
    await client.post(f"/_sandbox/vacancies/{negotiation.vacancy_id}/archive")
    archived = await client.put(f"/negotiations/consider/{negotiation.id}", headers=admin)
    assert archived.status_code == 403
    assert archived.json()["errors"] == [{"type": "negotiations", "value": "invalid_vacancy"}]


async def _unread(client: httpx.AsyncClient, admin: dict[str, str], vacancy_id: str) -> int:
    counters: dict[str, int] = (await _vacancy(client, admin, vacancy_id))["counters"]
    return counters["unread_responses"]


async def test_resume_via_topic_marks_viewed_but_plain_fetch_does_not(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    negotiation = next(
        n
        for n in sandbox.store.negotiations.values()
        if not n.viewed_by_employer
        and n.initiator == "applicant"
        and not sandbox.store.resumes[n.resume_id].deleted
        and sandbox.store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
        and not sandbox.store.vacancies[n.vacancy_id].archived
    )
    before = await _unread(client, admin, negotiation.vacancy_id)
    plain = await client.get(f"/resumes/{negotiation.resume_id}", headers=admin)
    assert plain.status_code == 200
    assert "topic_id" not in plain.json()["url"]
    assert await _unread(client, admin, negotiation.vacancy_id) == before
    via_topic = await client.get(
        f"/resumes/{negotiation.resume_id}", params={"topic_id": negotiation.id}, headers=admin
    )
    assert via_topic.status_code == 200
    assert await _unread(client, admin, negotiation.vacancy_id) == before - 1
    detail = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    assert detail["has_updates"] is False


async def test_mark_read(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    vacancy_id = active_vacancies(sandbox)[0]
    unread = [
        n.id
        for n in sandbox.store.negotiations_of(vacancy_id)
        if n.initiator == "applicant" and not n.viewed_by_employer
    ]
    assert unread
    answer = await client.post("/negotiations/read", headers=admin, data={"topic_id": unread})
    assert answer.status_code == 204
    assert await _unread(client, admin, vacancy_id) == 0
    other = active_vacancies(sandbox)[1]
    mixed = [unread[0], sandbox.store.negotiations_of(other)[0].id]
    assert (
        await client.post("/negotiations/read", headers=admin, data={"topic_id": mixed})
    ).status_code == 400


async def test_full_resume_contacts_education_and_names(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    negotiation = next(
        n
        for n in sorted(sandbox.store.negotiations.values(), key=lambda n: n.id)
        if sandbox.store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
        and not (r := sandbox.store.resumes[n.resume_id]).deleted
        and not r.hidden_fields
        and r.education
    )
    listed = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    assert "contact" not in listed["resume"]  # the short resume never carries contacts
    resume = (await client.get(listed["resume"]["url"], headers=admin)).json()
    stored = sandbox.store.resumes[negotiation.resume_id]
    assert (resume["first_name"], resume["last_name"]) == (stored.first_name, stored.last_name)
    phone = next(c for c in resume["contact"] if c["type"]["id"] == "cell")
    assert PHONE.match(phone["contact_value"])
    assert phone["kind"] == "phone"
    assert phone["value"]["formatted"] == phone["contact_value"]
    assert phone["value"]["country"] == "7"
    email = next(c for c in resume["contact"] if c["type"]["id"] == "email")
    assert email["value"] == email["contact_value"]
    assert "@" in email["value"]
    assert resume["education"]["primary"][0]["name"] == stored.education[0].institution
    assert resume["area"]["name"] == stored.area_name


@pytest.mark.parametrize("hidden", ["names_and_photo", "phones"])
async def test_hidden_fields_are_null(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, hidden: str
) -> None:
    negotiation = pick(sandbox, hidden=hidden)
    listed = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    resume = (await client.get(listed["resume"]["url"], headers=admin)).json()
    assert hidden in {f["id"] for f in resume["hidden_fields"]}
    if hidden == "names_and_photo":
        assert (resume["first_name"], resume["last_name"], resume["middle_name"]) == (
            None,
            None,
            None,
        )
        assert listed["resume"]["first_name"] is None
    else:
        phones = [c for c in resume["contact"] if c["kind"] == "phone"]
        assert phones
        assert all(c["contact_value"] is None for c in phones)


async def test_deleted_resume(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox
) -> None:
    negotiation = pick(sandbox, "response")
    await client.post(f"/_sandbox/resumes/{negotiation.resume_id}/delete")
    detail = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    assert detail["resume"] is None
    gone = await client.get(
        f"/resumes/{negotiation.resume_id}", params={"topic_id": negotiation.id}, headers=admin
    )
    assert gone.status_code == 404


async def test_pdf_download_is_a_real_pdf_until_the_vacancy_is_archived(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    negotiation = next(
        n
        for n in sorted(sandbox.store.negotiations.values(), key=lambda n: n.id)
        if sandbox.store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
        and not sandbox.store.vacancies[n.vacancy_id].archived
        and not (r := sandbox.store.resumes[n.resume_id]).deleted
        and not r.hidden_fields
    )
    detail = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    url = detail["resume"]["actions"]["download"]["pdf"]["url"]
    assert f"topic_id={negotiation.id}" in url
    assert f"vacancy_id={negotiation.vacancy_id}" in url
    pdf = await client.get(url, headers=admin)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF-")
    assert body.rstrip().endswith(b"%%EOF")
    startxref = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[startxref:].startswith(b"xref")
    assert b"trailer" in body
    stored = sandbox.store.resumes[negotiation.resume_id]
    title_hex = ("FEFF" + stored.full_name.encode("utf-16-be").hex()).upper().encode()
    assert title_hex in body  # the applicant's name, in the document title
    await client.post(f"/_sandbox/vacancies/{negotiation.vacancy_id}/archive")
    refused = await client.get(url, headers=admin)
    assert refused.status_code == 404


async def test_pdf_link_of_a_hostile_name_is_one_escaped_path_segment_and_downloads(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    """issue 14: a name with ``/``, ``?``, ``#`` or ``%`` once cut the link and gave a 404.

    hh.ru's documented links percent-encode the name in the path (hh.ru OpenAPI spec,
    ``get-resume`` example: ``.../download/%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%20...pdf``).
    """
    negotiation = next(
        n
        for n in sorted(sandbox.store.negotiations.values(), key=lambda n: n.id)
        if sandbox.store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
        and not sandbox.store.vacancies[n.vacancy_id].archived
        and not (r := sandbox.store.resumes[n.resume_id]).deleted
        and not r.hidden_fields
    )
    stored = sandbox.store.resumes[negotiation.resume_id]
    stored.last_name = "</script><img src=x onerror=alert(1)>"
    stored.first_name = "a/../b?type=rtf#x%2F"
    detail = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    for kind in ("pdf", "rtf"):
        url = detail["resume"]["actions"]["download"][kind]["url"]
        path = httpx.URL(url).raw_path.split(b"?")[0].decode("ascii")
        segment = path.split(f"/resumes/{negotiation.resume_id}/download/", 1)[1]
        assert "/" not in segment
        assert "#" not in segment
        assert unquote(segment) == f"{stored.full_name}.{kind}"
        assert httpx.URL(url).params["type"] == kind
        answer = await client.get(url, headers=admin)
        assert answer.status_code == 200, answer.text
        disposition = answer.headers["content-disposition"]
        assert unquote(disposition.split("UTF-8''", 1)[1]) == f"{stored.full_name}.{kind}"
        assert "/" not in disposition.split("UTF-8''", 1)[1]
    pdf = await client.get(detail["resume"]["actions"]["download"]["pdf"]["url"], headers=admin)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


async def test_negotiation_vanishes_between_list_and_detail(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    negotiation = pick(sandbox, "response")
    await client.post(
        f"/_sandbox/negotiations/{negotiation.id}/vanish", json={"after_next_list": True}
    )
    listed = await client.get(
        "/negotiations/response",
        headers=admin,
        params={"vacancy_id": negotiation.vacancy_id, "per_page": 50},
    )
    assert negotiation.id in {n["id"] for n in listed.json()["items"]}
    detail = await client.get(f"/negotiations/{negotiation.id}", headers=admin)
    assert detail.status_code == 404
    assert detail.json()["errors"] == [{"type": "negotiations", "value": "topic_not_found"}]


async def test_admin_adds_a_response_that_shows_up_everywhere(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
) -> None:
    vacancy_id = active_vacancies(sandbox)[0]
    before = await _vacancy(client, admin, vacancy_id)
    added = await client.post(
        "/_sandbox/negotiations", json={"vacancy_id": vacancy_id, "hidden_fields": ["email"]}
    )
    assert added.status_code == 201
    after = await _vacancy(client, admin, vacancy_id)
    assert after["counters"]["responses"] == before["counters"]["responses"] + 1
    assert after["counters"]["unread_responses"] == before["counters"]["unread_responses"] + 1
    assert after["has_updates"] is True
    detail = (await client.get(f"/negotiations/{added.json()['id']}", headers=admin)).json()
    assert detail["employer_state"]["id"] == "response"
    assert detail["has_updates"] is True
    resume = (await client.get(detail["resume"]["url"], headers=admin)).json()
    email = next(c for c in resume["contact"] if c["kind"] == "email")
    assert email["contact_value"] is None


async def test_a_move_between_page_requests_shifts_the_pages(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
    frozen: FrozenClock,
) -> None:
    """hh.ru pages are computed per request: a negotiation that leaves the collection while a
    client pages makes the client miss one (not documented by hh.ru; the stricter reading)."""
    vacancy_id = active_vacancies(sandbox)[0]
    for _ in range(10):
        await client.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
        frozen.advance(1)
    params: dict[str, str | int] = {
        "vacancy_id": vacancy_id,
        "per_page": 5,
        "order_by": "created_at",
    }
    whole = (
        await client.get("/negotiations/response", headers=admin, params={**params, "per_page": 50})
    ).json()["items"]
    first_page = (
        await client.get("/negotiations/response", headers=admin, params={**params, "page": 0})
    ).json()["items"]
    moved = await client.post(
        f"/_sandbox/negotiations/{first_page[0]['id']}/state", json={"employer_state": "consider"}
    )
    assert moved.status_code == 200
    second_page = (
        await client.get("/negotiations/response", headers=admin, params={**params, "page": 1})
    ).json()["items"]
    seen = {n["id"] for n in first_page + second_page}
    assert whole[5]["id"] not in seen  # slid onto page 0 after the move: missed by the client
    assert second_page[0]["id"] == whole[6]["id"]


async def test_messages_start_with_the_cover_letter_and_mark_viewed(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sandbox: HhSandbox,
    spec: SpecValidator,
) -> None:
    negotiation = next(
        n
        for n in sorted(sandbox.store.negotiations.values(), key=lambda n: n.id)
        if n.initiator == "applicant"
        and not n.viewed_by_employer
        and sandbox.store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
    )
    detail = (await client.get(f"/negotiations/{negotiation.id}", headers=admin)).json()
    answer = await client.get(detail["messages_url"].replace("http://hh.test", ""), headers=admin)
    assert answer.status_code == 200
    spec.check(answer.json(), "NegotiationsMessagesGetResponse")
    first = answer.json()["items"][0]
    assert first["author"]["participant_type"] == "applicant"
    assert first["state"]["id"] == "response"
    assert sandbox.store.negotiations[negotiation.id].viewed_by_employer is True
