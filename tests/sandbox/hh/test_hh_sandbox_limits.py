"""Limits of the hh.ru sandbox: User-Agent rule, request rate, paging size and depth, daily
resume views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, UA, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.limits import MSK
from hhsync.sandbox.hh.runtime import HhSandbox


def busiest_vacancy(sandbox: HhSandbox) -> str:
    """The active vacancy of employer 1455 with the most negotiations."""
    store = sandbox.store
    candidates = [
        v for v in store.vacancies.values() if v.employer_id == EMPLOYER_ID and not v.archived
    ]
    return max(candidates, key=lambda v: (len(store.negotiations_of(v.id)), v.id)).id


async def test_missing_user_agent_is_refused(client: httpx.AsyncClient, tokens: Any) -> None:
    pair = await tokens(ADMIN_ID)
    for path, method in (("/me", "GET"), ("/token", "POST")):
        request = client.build_request(method, path, headers=bearer(pair))
        del request.headers["User-Agent"]
        del request.headers["HH-User-Agent"]
        answer = await client.send(request)
        assert answer.status_code == 400, path
        assert answer.json()["errors"] == [{"type": "bad_user_agent", "value": "unset"}]
        assert answer.json()["request_id"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"User-Agent": "MyApp/1.0 (my-app-feedback@example.com)", "HH-User-Agent": ""}, 400),
        ({"User-Agent": "python-httpx/0.28.1", "HH-User-Agent": ""}, 400),
        # HH-User-Agent wins when both are sent:
        ({"User-Agent": "python-httpx/0.28.1", "HH-User-Agent": "hhsync/1.0 (a@b.ru)"}, 200),
        ({"User-Agent": "hhsync/1.0 (a@b.ru)", "HH-User-Agent": "python-requests/2.0"}, 400),
    ],
)
async def test_blacklisted_user_agents(
    client: httpx.AsyncClient, tokens: Any, headers: dict[str, str], status: int
) -> None:
    pair = await tokens(ADMIN_ID)
    request = client.build_request("GET", "/me", headers={**bearer(pair), **headers})
    if not headers["HH-User-Agent"]:
        del request.headers["HH-User-Agent"]
    answer = await client.send(request)
    assert answer.status_code == status
    if status == 400:
        assert answer.json()["errors"] == [{"type": "bad_user_agent", "value": "blacklisted"}]


@pytest.fixture
def limited(frozen: FrozenClock) -> tuple[Any, FrozenClock]:
    """A sandbox with hh.ru's default 10 requests/s per client, on a frozen clock, at speed 1."""
    return create_app(HhSandboxConfig(base_clock=frozen)), frozen


def _client(app: Any, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://hh.test", headers=UA)


async def test_rate_limit_answers_429_per_client(limited: tuple[Any, FrozenClock]) -> None:
    app, frozen = limited
    async with _client(app, "10.0.0.1") as first, _client(app, "10.0.0.2") as second:
        statuses = [(await first.get("/me")).status_code for _ in range(11)]
        assert statuses[:10] == [403] * 10  # allowed through (no token) ...
        assert statuses[10] == 429  # ... the 11th within one second is refused
        refused = await first.get("/me")
        assert refused.json()["errors"] == [{"type": "too_many_requests"}]
        assert "retry-after" not in refused.headers
        assert (await second.get("/me")).status_code == 403  # another client is not limited
        frozen.advance(1.0)
        assert (await first.get("/me")).status_code == 403


async def test_the_request_log_counts_each_client_address_apart(
    limited: tuple[Any, FrozenClock],
) -> None:
    """hh.ru limits per client address (hhru/api #74): the admin API says, per address, what
    was served, what was refused with 429 and the busiest second, so a test can show two
    instances on two addresses each kept to its own limit."""
    app, frozen = limited
    async with _client(app, "10.0.0.1") as first, _client(app, "10.0.0.2") as second:
        for _ in range(12):
            await first.get("/me")
        for _ in range(4):
            await second.get("/me")
        frozen.advance(1.0)
        await second.get("/me")
        clients = (await first.get("/_sandbox/requests")).json()["clients"]
        assert clients == {
            "10.0.0.1": {"served": 10, "refused": 2, "peak_per_s": 10},
            "10.0.0.2": {"served": 5, "refused": 0, "peak_per_s": 4},
        }
        cleared = (await first.delete("/_sandbox/requests")).json()
        assert cleared == {"items": [], "clients": {}}


async def test_rate_limit_scales_with_speed(frozen: FrozenClock) -> None:
    app = create_app(HhSandboxConfig(base_clock=frozen, speed=20))
    async with _client(app, "10.0.0.1") as client:
        assert [(await client.get("/me")).status_code for _ in range(11)][-1] == 429
        frozen.advance(1.0 / 20)  # one sandbox second at speed 20
        assert (await client.get("/me")).status_code == 403


async def test_per_page_above_fifty_is_refused(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    vacancy = busiest_vacancy(sandbox)
    answer = await client.get(
        "/negotiations/response", headers=headers, params={"vacancy_id": vacancy, "per_page": 51}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"type": "bad_argument", "value": "per_page"}]
    fine = await client.get(
        "/negotiations/response", headers=headers, params={"vacancy_id": vacancy, "per_page": 50}
    )
    assert fine.status_code == 200
    active = await client.get(
        f"/employers/{EMPLOYER_ID}/vacancies/active", headers=headers, params={"per_page": 51}
    )
    assert active.status_code == 400


@pytest.mark.parametrize(
    ("depth", "page", "per_page", "status"),
    [
        (2000, 39, 50, 200),
        (2000, 40, 50, 400),
        (2000, 99, 20, 200),
        (2000, 100, 20, 400),
        (100, 1, 50, 200),
        (100, 2, 50, 400),
        (100, 4, 20, 200),
        (100, 5, 20, 400),
    ],
)
async def test_depth_limit(
    client: httpx.AsyncClient,
    tokens: Any,
    sandbox: HhSandbox,
    example: Callable[[str], Any],
    depth: int,
    page: int,
    per_page: int,
    status: int,
) -> None:
    """The default is the strict profile: page * per_page within 2000 (hh.ru OpenAPI spec, the
    depth of vacancy and resume search, ``get-vacancies`` and ``search-for-resumes``; hhru/api
    issue #98: negotiation lists once refused past 2000, later 10000); any other depth by the admin
    API."""
    if depth != 2000:
        await client.post("/_sandbox/limits", json={"depth_limit": depth})
    headers = bearer(await tokens(ADMIN_ID))
    answer = await client.get(
        "/negotiations/response",
        headers=headers,
        params={"vacancy_id": busiest_vacancy(sandbox), "page": page, "per_page": per_page},
    )
    assert answer.status_code == status
    if status == 400:
        observed = example("observed.error.400.bad_argument.page-depth.json")
        body = answer.json()
        assert body["errors"] == observed["errors"]
        assert body["bad_argument"] == observed["bad_argument"]
        assert body["description"] == observed["description"].replace("2000", str(depth))
    else:
        assert answer.json()["items"] == []  # past the end but within depth: empty page


@pytest.mark.parametrize(("profile", "depth"), [("strict", 2000), ("loose", 10_000)])
async def test_depth_profiles_are_named(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox, profile: str, depth: int
) -> None:
    """The looser reading (hhru/api#98: negotiation lists to 10,000) stays one admin call away;
    an unknown profile is refused with its reason."""
    assert (await client.get("/_sandbox/limits")).json()["depth_profile"] == "strict"
    answer = await client.post("/_sandbox/limits", json={"depth_profile": profile})
    assert answer.json()["depth_limit"] == depth
    assert answer.json()["depth_profile"] == profile
    headers = bearer(await tokens(ADMIN_ID))
    params = {"vacancy_id": busiest_vacancy(sandbox), "per_page": 50}
    last = await client.get(
        "/negotiations/response", headers=headers, params={**params, "page": depth // 50 - 1}
    )
    beyond = await client.get(
        "/negotiations/response", headers=headers, params={**params, "page": depth // 50}
    )
    assert (last.status_code, beyond.status_code) == (200, 400)
    refused = await client.post("/_sandbox/limits", json={"depth_profile": "deep"})
    assert refused.status_code == 400
    assert "depth_profile" in refused.json()["error"]


async def _resume_urls(
    client: httpx.AsyncClient, headers: dict[str, str], sandbox: HhSandbox, count: int
) -> list[dict[str, Any]]:
    resumes: list[dict[str, Any]] = []
    for vacancy in sorted(
        v.id
        for v in sandbox.store.vacancies.values()
        if v.employer_id == EMPLOYER_ID and not v.archived
    ):
        for state in ("response", "phone_interview", "offer", "interview"):
            listed = await client.get(
                f"/negotiations/{state}", headers=headers, params={"vacancy_id": vacancy}
            )
            for item in listed.json()["items"]:
                if item["resume"] and all(r["id"] != item["resume"]["id"] for r in resumes):
                    resumes.append(item["resume"])
                if len(resumes) == count:
                    return resumes
    raise AssertionError("not enough resumes")


async def test_daily_resume_view_limit(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox, frozen: FrozenClock
) -> None:
    await client.post("/_sandbox/limits", json={"resume_views_per_day": 2})
    headers = bearer(await tokens(ADMIN_ID))
    first, second, third = await _resume_urls(client, headers, sandbox, 3)
    assert (await client.get(first["url"], headers=headers)).status_code == 200
    assert (await client.get(second["url"], headers=headers)).status_code == 200
    refused = await client.get(third["url"], headers=headers)
    assert refused.status_code == 429
    assert refused.json()["errors"] == [{"type": "resumes", "value": "view_limit_exceeded"}]
    pdf = await client.get(third["actions"]["download"]["pdf"]["url"], headers=headers)
    assert pdf.status_code == 429
    # Every open counts (hhru/api #855), so an already opened resume is refused too.
    assert (await client.get(first["url"], headers=headers)).status_code == 429
    limits = await client.get(
        f"/employers/{EMPLOYER_ID}/managers/{ADMIN_ID}/limits/resume", headers=headers
    )
    assert limits.json()["left"]["resume_view"] == 0
    # The quota resets at midnight Moscow time, not 24 hours after the first view.
    now_msk = sandbox.now().astimezone(MSK)
    midnight = (now_msk + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    frozen.advance((midnight - now_msk).total_seconds() - 1)
    assert (await client.get(third["url"], headers=headers)).status_code == 429
    frozen.advance(2)
    assert (await client.get(third["url"], headers=headers)).status_code == 200
