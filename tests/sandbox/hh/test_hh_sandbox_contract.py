"""Every payload the hh.ru sandbox returns conforms to hh.ru's OpenAPI schema and has the keys of
the documented examples (``hh_examples/``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, SpecValidator, bearer

from hhsync.sandbox.hh.runtime import HhSandbox

# Keys of the official examples we deliberately leave out, each with the reason.
OMITTED_KEYS = {
    "auction",  # paid auction campaigns: no bearing on syncing responses
    "ai_assistant",  # AI screening summary: optional, null-able product feature
    "chat_bot",  # chat bot survey: optional
    "chat_states",  # chat reminder state: optional
    "insider_interview",
    "response_url",
    "show_contacts",
    "sort_point_distance",
    "professional_roles",  # optional on negotiation items
    "contacts_open_until_date",
    "driver_license_types",
    "employment",
    "employments",
    "experience_group_by_company",
    "has_vehicle",
    "metro",
    "relocation",
    "schedule",
    "schedules",
    "travel_time",
    "work_ticket",
    "complaint_status",
    "business_trip_readiness",
}


def missing_keys(ours: dict[str, Any], official: dict[str, Any]) -> set[str]:
    """Keys of the official example that our payload lacks, apart from the deliberate ones."""
    return set(official) - set(ours) - OMITTED_KEYS


async def _first_negotiation(
    client: httpx.AsyncClient, headers: dict[str, str], sandbox: HhSandbox
) -> dict[str, Any]:
    store = sandbox.store
    with_resume = next(
        n
        for n in sorted(store.negotiations.values(), key=lambda n: n.id)
        if n.employer_state == "response"
        and not store.resumes[n.resume_id].deleted
        and not store.vacancies[n.vacancy_id].archived
        and store.vacancies[n.vacancy_id].employer_id == EMPLOYER_ID
    )
    response = await client.get(f"/negotiations/{with_resume.id}", headers=headers)
    assert response.status_code == 200
    item: dict[str, Any] = response.json()
    return item


async def test_me_matches_spec(client: httpx.AsyncClient, tokens: Any, spec: SpecValidator) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    me = (await client.get("/me", headers=headers)).json()
    spec.check(me, "MeManagerProfile")
    assert me["auth_type"] == "employer"
    assert me["employer"]["id"] == EMPLOYER_ID
    assert me["manager"]["id"] == ADMIN_ID
    assert me["manager"]["has_admin_rights"] is True


async def test_managers_and_limits_match_spec(
    client: httpx.AsyncClient,
    tokens: Any,
    spec: SpecValidator,
    example: Callable[[str], Any],
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    managers = (await client.get(f"/employers/{EMPLOYER_ID}/managers", headers=headers)).json()
    spec.check(managers, "EmployerManagersResponse")
    official = example("employers.managers.response.json")
    assert missing_keys(managers, official) == set()
    assert missing_keys(managers["items"][0], official["items"][0]) == set()
    limits = await client.get(
        f"/employers/{EMPLOYER_ID}/managers/{ADMIN_ID}/limits/resume", headers=headers
    )
    spec.check(limits.json(), "EmployerManagersEmployerManagerLimits")
    assert set(limits.json()) == set(example("employers.managers.limits.resume.response.json"))


async def test_vacancy_lists_match_spec(
    client: httpx.AsyncClient,
    tokens: Any,
    spec: SpecValidator,
    example: Callable[[str], Any],
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    active = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active",
        params={"all_accessible": "true"},
        headers=headers,
    )
    spec.check(active.json(), "VacanciesVacancyListResponse")
    official = example("employers.vacancies.active.response.json")
    assert missing_keys(active.json(), official) == set()
    item = active.json()["items"][0]
    assert missing_keys(item, official["items"][0]) == set()
    assert set(item["counters"]) == set(official["items"][0]["counters"])
    archived = await client.get(f"/employers/{EMPLOYER_ID}/vacancies/archived", headers=headers)
    spec.check(archived.json(), "VacanciesArchivedVacancyListResponse")
    official_archived = example("employers.vacancies.archived.response.json")
    assert archived.json()["found"] >= 1
    assert missing_keys(archived.json()["items"][0], official_archived["items"][0]) == set()
    assert set(archived.json()["items"][0]["counters"]) >= set(
        official_archived["items"][0]["counters"]
    )


async def test_negotiation_payloads_match_spec(
    client: httpx.AsyncClient,
    tokens: Any,
    spec: SpecValidator,
    example: Callable[[str], Any],
    sandbox: HhSandbox,
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    detail = await _first_negotiation(client, headers, sandbox)
    spec.check(detail, "NegotiationsNegotiationGetResponse")
    official_detail = example("negotiations.item.employer.response.json")
    assert missing_keys(detail, official_detail) == set()
    vacancy_id = detail["vacancy"]["id"]
    collections = await client.get(
        "/negotiations", params={"vacancy_id": vacancy_id}, headers=headers
    )
    spec.check(collections.json(), "NegotiationsListResponse")
    official_collections = example("negotiations.collections.response.json")
    assert missing_keys(collections.json(), official_collections) == set()
    listed = await client.get(
        "/negotiations/response", params={"vacancy_id": vacancy_id}, headers=headers
    )
    spec.check(listed.json(), "NegotiationsCollectionNegotiationsResponse")
    official_list = example("negotiations.collection-list.response.json")
    assert missing_keys(listed.json(), official_list) == set()
    ours, theirs = listed.json()["items"][0], official_list["items"][0]
    assert missing_keys(ours, theirs) == set()
    assert missing_keys(ours["resume"], theirs["resume"]) == set()
    assert missing_keys(ours["actions"][0], theirs["actions"][0]) == set()


async def test_full_resume_matches_spec(
    client: httpx.AsyncClient,
    tokens: Any,
    spec: SpecValidator,
    example: Callable[[str], Any],
    sandbox: HhSandbox,
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    detail = await _first_negotiation(client, headers, sandbox)
    resume = await client.get(detail["resume"]["url"], headers=headers)
    assert resume.status_code == 200
    spec.check(resume.json(), "ResumeResumeForEmployer")
    official = example("resumes.item.employer.response.json")
    assert missing_keys(resume.json(), official) == set()
    assert missing_keys(resume.json()["contact"][0], official["contact"][0]) == set()


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("employers.vacancies.active.response.json", "VacanciesVacancyListResponse"),
        ("employers.vacancies.archived.response.json", "VacanciesArchivedVacancyListResponse"),
        ("negotiations.collections.response.json", "NegotiationsListResponse"),
        (
            "negotiations.collection-list.response.json",
            "NegotiationsCollectionNegotiationsResponse",
        ),
        ("negotiations.item.employer.response.json", "NegotiationsNegotiationGetResponse"),
        ("resumes.item.employer.response.json", "ResumeResumeForEmployer"),
        ("employers.managers.response.json", "EmployerManagersResponse"),
    ],
)
def test_official_examples_pass_the_same_validation(
    name: str,
    schema: str,
    spec: SpecValidator,
    example: Callable[[str], Any],
) -> None:
    """Guards the validator itself: the documented examples must pass it unchanged."""
    spec.check(example(name), schema)


def test_validator_rejects_a_broken_payload(
    spec: SpecValidator, example: Callable[[str], Any]
) -> None:
    broken = example("negotiations.item.employer.response.json")
    broken["id"] = 123  # ids are strings on hh.ru
    assert spec.errors(broken, "NegotiationsNegotiationGetResponse")


async def test_every_list_detail_and_resume_of_an_employer_matches_spec(
    client: httpx.AsyncClient,
    tokens: Any,
    spec: SpecValidator,
    sandbox: HhSandbox,
) -> None:
    """Crawls the whole generated world of one employer: hidden fields, deleted resumes,
    invitations and archived vacancies all have to conform, not just a happy example."""
    headers = bearer(await tokens(ADMIN_ID))
    vacancy_ids = [v.id for v in sandbox.store.vacancies.values() if v.employer_id == EMPLOYER_ID]
    seen_null_resume = seen_hidden_name = False
    for vacancy_id in vacancy_ids:
        collections = (
            await client.get("/negotiations", params={"vacancy_id": vacancy_id}, headers=headers)
        ).json()
        spec.check(collections, "NegotiationsListResponse")
        items: list[dict[str, Any]] = []
        for collection in collections["collections"]:
            subs = collection.get("sub_collections", [])
            # A collection with funnel sub-collections counts them all and lists its root.
            assert (
                sum(s["counters"]["total"] for s in subs or [collection])
                == (collection["counters"]["total"])
            )
            for listing in [collection, *subs]:
                listed = await client.get(f"{listing['url']}&per_page=50", headers=headers)
                spec.check(listed.json(), "NegotiationsCollectionNegotiationsResponse")
                if listing is not collection or not subs:
                    assert listed.json()["found"] == listing["counters"]["total"]
                items.extend(listed.json()["items"])
        # each resume once: every open counts against the manager's daily views
        for item in {i["id"]: i for i in items}.values():
            if item["resume"] is None:
                seen_null_resume = True
                continue
            seen_hidden_name |= item["resume"]["first_name"] is None
            resume = await client.get(item["resume"]["url"], headers=headers)
            assert resume.status_code == 200, resume.text
            spec.check(resume.json(), "ResumeResumeForEmployer")
    assert seen_null_resume, "the generator should produce deleted resumes"
    assert seen_hidden_name, "the generator should produce applicants hiding their name"


async def test_token_and_error_bodies_match_spec(
    client: httpx.AsyncClient,
    tokens: Any,
    spec: SpecValidator,
    sandbox: HhSandbox,
) -> None:
    pair = await tokens(ADMIN_ID)
    spec.check(pair, "AuthUserTokenAndAppToken")
    forbidden = await client.get("/me", headers={"Authorization": "Bearer nope"})
    spec.check(forbidden.json(), "ErrorsCommonBadAuthorizationErrors")
    bad = await client.get("/negotiations", headers=bearer(pair))
    spec.check(bad.json(), "ErrorsCommonBadArgumentErrors")
    missing = await client.get("/negotiations/999999999", headers=bearer(pair))
    spec.check(missing.json(), "ErrorsNegotiationNegotiationsNotFoundErrors")
    negotiation = await _first_negotiation(client, bearer(pair), sandbox)
    wrong = await client.put(f"/negotiations/response/{negotiation['id']}", headers=bearer(pair))
    spec.check(wrong.json(), "ErrorsVacancyApplyForbiddenErrors")
    await client.post("/_sandbox/limits", json={"resume_views_per_day": 0})
    limited = await client.get(negotiation["resume"]["url"], headers=bearer(pair))
    spec.check(limited.json(), "ErrorsResumeTooManyRequestsEmployerErrors")
    await client.post(f"/_sandbox/employers/{EMPLOYER_ID}/paid_access", json={"enabled": False})
    unpaid = await client.get(
        "/negotiations/response",
        params={"vacancy_id": negotiation["vacancy"]["id"]},
        headers=bearer(pair),
    )
    spec.check(unpaid.json(), "ErrorsCommonBadAuthorizationCommonAndPaymentMethodError")
