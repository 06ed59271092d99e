"""Filters of the hh.ru sandbox's collection lists (hh.ru OpenAPI spec, operation
``get-collection-negotiations-list``: ``experience`` repeatable, ``gender`` keeping resumes that
give none, ``age_from``/``age_to``, ``salary_from``/``salary_to``, ``education_level``, values from
``get-dictionaries``; unknown parameters ignored; 400 ``bad_argument`` for a bad value), ``found``
counting the filtered list, and the depth limit still applying to it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, SpecValidator, bearer

from hhsync.sandbox.hh.negotiation_filters import experience_bucket
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.sandbox.hh.store import Resume


@pytest.fixture
async def admin(tokens: Any) -> dict[str, str]:
    """Auth headers of the company admin of employer 1455."""
    return bearer(await tokens(ADMIN_ID))


@pytest.fixture
async def deep(client: httpx.AsyncClient, sandbox: HhSandbox) -> str:
    """An active vacancy of employer 1455 with 300 more responses of generated applicants."""
    vacancy_id = min(
        v.id
        for v in sandbox.store.vacancies.values()
        if v.employer_id == EMPLOYER_ID and not v.archived
    )
    added = await client.post(f"/_sandbox/vacancies/{vacancy_id}/responses", json={"count": 300})
    assert added.status_code == 201, added.text
    assert len(added.json()["ids"]) == 300
    return vacancy_id


def inbox_resumes(sandbox: HhSandbox, vacancy_id: str) -> list[Resume]:
    """The resumes of the vacancy's «Все неразобранные» (state ``response``)."""
    store = sandbox.store
    return [
        store.resumes[n.resume_id]
        for n in store.negotiations_of(vacancy_id)
        if n.employer_state == "response"
    ]


async def listed(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    vacancy_id: str,
    filters: list[tuple[str, str]],
) -> dict[str, Any]:
    """Page 0 of the inbox with those filters, 50 a page."""
    query = [("vacancy_id", vacancy_id), ("per_page", "50"), *filters]
    answer = await client.get("/negotiations/response", params=query, headers=admin)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_generated_resumes_carry_the_filtered_fields_some_left_out(
    client: httpx.AsyncClient, admin: dict[str, str], deep: str, spec: SpecValidator
) -> None:
    """``age``, ``gender``, ``total_experience`` and ``salary`` are nullable in the spec's
    ``ResumeResumeCommon``; the world has resumes without each, as hh.ru has."""
    page = await listed(client, admin, deep, [])
    spec.check(page, "NegotiationsCollectionNegotiationsResponse")
    resumes = []
    for number in range(page["pages"]):
        answer = await client.get(
            "/negotiations/response",
            params={"vacancy_id": deep, "per_page": "50", "page": str(number)},
            headers=admin,
        )
        resumes.extend(item["resume"] for item in answer.json()["items"] if item["resume"])
    for key in ("age", "gender", "total_experience", "salary"):
        assert any(r[key] is None for r in resumes), key
        assert any(r[key] is not None for r in resumes), key
    assert all(r["education"]["level"]["id"] for r in resumes)


async def test_experience_filter_lists_its_buckets_and_found_counts_them(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, deep: str
) -> None:
    resumes = inbox_resumes(sandbox, deep)
    total = (await listed(client, admin, deep, []))["found"]
    assert total == len(resumes)
    counts = {}
    for bucket in ("noExperience", "between1And3", "between3And6", "moreThan6"):
        page = await listed(client, admin, deep, [("experience", bucket)])
        expected = [r for r in resumes if experience_bucket(r.total_experience_months) == bucket]
        assert page["found"] == len(expected), bucket
        shown = {item["resume"]["id"] for item in page["items"]}
        assert shown <= {r.id for r in expected}
        counts[bucket] = page["found"]
    assert sum(counts.values()) == total  # every resume falls in exactly one bucket
    both = await listed(
        client, admin, deep, [("experience", "noExperience"), ("experience", "moreThan6")]
    )
    assert both["found"] == counts["noExperience"] + counts["moreThan6"]  # repeatable: a union


async def test_gender_filter_keeps_resumes_without_a_gender(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, deep: str
) -> None:
    """The spec: "resumes without a gender are found whatever the parameter's value"."""
    resumes = inbox_resumes(sandbox, deep)
    unknown = sum(r.gender is None for r in resumes)
    assert unknown > 0
    male = await listed(client, admin, deep, [("gender", "male")])
    female = await listed(client, admin, deep, [("gender", "female")])
    assert male["found"] == sum(r.gender in ("male", None) for r in resumes)
    assert female["found"] == sum(r.gender in ("female", None) for r in resumes)
    assert male["found"] + female["found"] == len(resumes) + unknown


async def test_age_salary_and_education_ranges(
    client: httpx.AsyncClient, admin: dict[str, str], sandbox: HhSandbox, deep: str
) -> None:
    resumes = inbox_resumes(sandbox, deep)
    ages = await listed(client, admin, deep, [("age_from", "30"), ("age_to", "40")])
    assert ages["found"] == sum(r.age is None or 30 <= r.age <= 40 for r in resumes)
    for item in ages["items"]:
        age = item["resume"]["age"]
        assert age is None or 30 <= age <= 40
    salary = await listed(client, admin, deep, [("salary_from", "100000")])
    assert salary["found"] == sum(r.salary is None or r.salary >= 100_000 for r in resumes)
    higher = await listed(client, admin, deep, [("education_level", "higher")])
    assert higher["found"] == sum(r.education_level[0] == "higher" for r in resumes)
    assert 0 < higher["found"] < len(resumes)
    combined = await listed(
        client, admin, deep, [("education_level", "higher"), ("gender", "female")]
    )
    assert combined["found"] == sum(
        r.education_level[0] == "higher" and r.gender in ("female", None) for r in resumes
    )


async def test_unknown_parameters_are_ignored(
    client: httpx.AsyncClient, admin: dict[str, str], deep: str
) -> None:
    """The spec: "Неизвестные параметры и параметры с ошибкой в названии игнорируются"."""
    plain = await listed(client, admin, deep, [])
    odd = await listed(client, admin, deep, [("experiense", "nonsense"), ("label", "x")])
    assert odd["found"] == plain["found"]
    assert [i["id"] for i in odd["items"]] == [i["id"] for i in plain["items"]]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("experience", "between1and3"),
        ("experience", ""),
        ("gender", "unknown"),
        ("age_from", "thirty"),
        ("age_to", "-5"),
        ("age_to", "²"),
        ("salary_from", "lots"),
        ("salary_to", "nan"),
        ("education_level", "phd"),
    ],
)
async def test_a_bad_filter_value_is_a_bad_argument(
    client: httpx.AsyncClient, admin: dict[str, str], deep: str, name: str, value: str
) -> None:
    answer = await client.get(
        "/negotiations/response", params={"vacancy_id": deep, name: value}, headers=admin
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["errors"] == [{"type": "bad_argument", "value": name}]
    assert body["bad_argument"] == name


async def test_the_depth_limit_applies_to_a_filtered_list(
    client: httpx.AsyncClient, admin: dict[str, str], deep: str
) -> None:
    """The depth counts ``page * per_page`` whatever the filter (hh.ru OpenAPI spec,
    ``search-for-resumes``: «глубина возвращаемых результатов не может быть больше 2000», counted
    from ``page`` and ``per_page``; hhru/api issue #98 for negotiation lists)."""
    await client.post("/_sandbox/limits", json={"depth_limit": 100})
    params = {"vacancy_id": deep, "experience": "moreThan6", "per_page": "50"}
    inside = await client.get(
        "/negotiations/response", params={**params, "page": "1"}, headers=admin
    )
    assert inside.status_code == 200
    assert inside.json()["found"] > 100  # the filtered list is deeper than the limit...
    beyond = await client.get(
        "/negotiations/response", params={**params, "page": "2"}, headers=admin
    )
    assert beyond.status_code == 400  # ...and cannot be paged past it
    assert "you can't look up more than 100 items" in beyond.json()["description"]


async def test_bulk_responses_take_the_asked_fields(
    client: httpx.AsyncClient, sandbox: HhSandbox, deep: str
) -> None:
    added = await client.post(
        f"/_sandbox/vacancies/{deep}/responses",
        json={
            "count": 5,
            "resume": {
                "gender": None,
                "birth_year": None,
                "salary": None,
                "total_experience_months": 100,
                "education_level": "master",
            },
        },
    )
    assert added.status_code == 201, added.text
    for negotiation_id in added.json()["ids"]:
        resume = sandbox.store.resumes[sandbox.store.negotiations[negotiation_id].resume_id]
        assert (resume.gender, resume.age, resume.salary) == (None, None, None)
        assert resume.total_experience_months == 100
        assert resume.education_level[0] == "master"
    refused = await client.post(
        f"/_sandbox/vacancies/{deep}/responses", json={"count": 1, "resume": {"gender": "x"}}
    )
    assert refused.status_code == 400
    assert "gender" in refused.json()["error"]
