"""The deep reader (hhsync.hh.deep_listing) over the hh.ru sandbox in-process (httpx ASGI
transport): a listing that fits the depth is one walk; a 3,000-response inbox under the strict
2,000 depth is read whole through the collection list's filters; applicants who leave every
filtered field out cannot be split, so every order is walked and the gap is counted; the part
budget bounds the requests; the client sums the gap into the vacancy's listing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest

from hhsync.clock import FrozenClock
from hhsync.hh.budget import RequestBudget
from hhsync.hh.client import HhClient
from hhsync.hh.deep_listing import DeepRead, ListingTarget, read_listing
from hhsync.hh.errors import error_for_api_answer
from hhsync.hh.models import NegotiationCollections, NegotiationsPage
from hhsync.hh.paging import DEFAULT_MAX_DEPTH_ITEMS
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.store import HhStore

UA = {"HH-User-Agent": "hhsync-tests/1.0 (dev@example.com)"}
MANAGER_ID = "87654321"
FACELESS = {
    "gender": None,
    "birth_year": None,
    "salary": None,
    "total_experience_months": 100,
    "education_level": "higher",
}
"""Applicants who give no gender, age or salary, all in one experience bucket and education."""


class Sandbox:
    """One vacancy on an in-process hh.ru sandbox, an authorised client and the request log."""

    def __init__(self, http: httpx.AsyncClient, vacancy_id: str, store: HhStore) -> None:
        self.http = http
        self.vacancy_id = vacancy_id
        self.store = store

    async def add(self, count: int, resume: Mapping[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"count": count}
        if resume is not None:
            body["resume"] = dict(resume)
        answer = await self.http.post(f"/_sandbox/vacancies/{self.vacancy_id}/responses", json=body)
        assert answer.status_code == 201, answer.text

    async def inbox(self) -> ListingTarget:
        answer = await self.http.get("/negotiations", params={"vacancy_id": self.vacancy_id})
        collections = NegotiationCollections.model_validate(answer.json())
        inbox = next(c for c in collections.collections if c.id == "response")
        return ListingTarget(
            inbox.id, inbox.url, tuple(o.id for o in inbox.order_types), inbox.counters.total
        )

    async def fetch(self, url: str, query: Mapping[str, str]) -> NegotiationsPage:
        answer = await self.http.get(httpx.URL(url).copy_merge_params(dict(query)))
        error = error_for_api_answer(answer.status_code, answer.headers, answer.content)
        if error is not None:
            raise error
        return NegotiationsPage.model_validate(answer.json())

    async def member_ids(self) -> set[str]:
        """The inbox's negotiations as the sandbox holds them (no paging, no depth)."""
        store = self.store
        return {
            n.id for n in store.negotiations_of(self.vacancy_id) if n.employer_state == "response"
        }

    async def log(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.http.get("/_sandbox/requests")).json()["items"]
        return [i for i in items if i["path"] == "/negotiations/response"]

    async def clear_log(self) -> None:
        await self.http.delete("/_sandbox/requests")

    async def depth(self, limit: int) -> None:
        answer = await self.http.post("/_sandbox/limits", json={"depth_limit": limit})
        assert answer.status_code == 200


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """One employer, one open vacancy of ten negotiations, the strict depth (2,000)."""
    app = create_app(
        HhSandboxConfig(
            seed=3,
            base_clock=FrozenClock(),
            rate_limit_per_s=0,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=0,
            applicants=20,
            negotiations_per_vacancy=10,
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers=UA
    ) as http:
        pair = (await http.post("/_sandbox/tokens", json={"manager_id": MANAGER_ID})).json()
        http.headers["Authorization"] = f"Bearer {pair['access_token']}"
        vacancy_id = (await http.get("/_sandbox/state")).json()["vacancies"][0]["id"]
        yield Sandbox(http, vacancy_id, app.state.sandbox.store)


async def read(sandbox: Sandbox, **options: Any) -> DeepRead:
    options.setdefault("depth", DEFAULT_MAX_DEPTH_ITEMS)
    return await read_listing(sandbox.fetch, await sandbox.inbox(), **options)


async def test_a_listing_within_the_depth_is_one_walk(sandbox: Sandbox) -> None:
    await sandbox.add(120)
    target = await sandbox.inbox()
    await sandbox.clear_log()
    result = await read(sandbox)
    log = await sandbox.log()
    assert {n.id for n in result.negotiations} == await sandbox.member_ids()
    assert len(result.negotiations) == target.total
    assert (result.missing, result.deep, result.parts) == (0, False, 1)
    assert result.requests == len(log) == -(-target.total // 50)  # one walk, 50 a page
    assert all("order_by=created_at" in entry["query"] for entry in log)


@pytest.mark.slow
async def test_three_thousand_responses_under_the_strict_depth_are_read_whole(
    sandbox: Sandbox,
) -> None:
    await sandbox.add(3000)
    target = await sandbox.inbox()
    assert target.total > DEFAULT_MAX_DEPTH_ITEMS
    await sandbox.clear_log()
    result = await read(sandbox)
    log = await sandbox.log()
    assert {n.id for n in result.negotiations} == await sandbox.member_ids()
    assert len(result.negotiations) == target.total
    assert (result.missing, result.deep) == (0, True)
    assert {entry["status"] for entry in log} == {200}  # nothing past the depth was asked
    assert result.requests == len(log)
    # the probes plus about one walk of everything, not a walk per order
    assert result.requests < target.total / 50 + 20
    assert any("experience=" in entry["query"] for entry in log)


@pytest.mark.slow
async def test_applicants_without_filtered_fields_leave_a_counted_gap(sandbox: Sandbox) -> None:
    await sandbox.add(2600, FACELESS)
    target = await sandbox.inbox()
    await sandbox.clear_log()
    result = await read(sandbox)
    log = await sandbox.log()
    ids = {n.id for n in result.negotiations}
    assert ids <= await sandbox.member_ids()
    assert result.deep
    assert result.missing == target.total - len(ids) > 0
    assert len(ids) > DEFAULT_MAX_DEPTH_ITEMS  # every order reached its own 2,000
    for order in target.orders:
        assert any(f"order_by={order}" in entry["query"] for entry in log), order
    assert {entry["status"] for entry in log} == {200}
    assert result.requests == len(log)


@pytest.mark.slow
async def test_the_part_budget_bounds_the_requests(sandbox: Sandbox) -> None:
    await sandbox.add(2600)
    target = await sandbox.inbox()
    await sandbox.clear_log()
    result = await read(sandbox, max_parts=1)  # no split allowed: only the orders
    log = await sandbox.log()
    assert result.parts == 1
    assert not any("experience=" in entry["query"] for entry in log)
    assert result.requests == len(log) <= len(target.orders) * DEFAULT_MAX_DEPTH_ITEMS // 50
    assert result.missing == target.total - len(result.negotiations) > 0


async def test_hh_refusing_a_shallower_depth_stops_the_walk_and_counts_the_gap(
    sandbox: Sandbox,
) -> None:
    await sandbox.add(300, FACELESS)
    await sandbox.depth(100)  # hh.ru answers 400 past 100 items, our limit is 2,000
    target = await sandbox.inbox()
    result = await read(sandbox)
    assert result.deep
    assert len(result.negotiations) >= 100
    assert result.missing == target.total - len(result.negotiations) > 0


@pytest.mark.slow
async def test_the_client_sums_the_gap_into_the_vacancy_listing(sandbox: Sandbox) -> None:
    await sandbox.add(2600, FACELESS)
    client = HhClient(sandbox.http, auth=None, budget=RequestBudget(10_000), account_key="a1")
    listing = await client.vacancy_negotiations(sandbox.vacancy_id)
    target = await sandbox.inbox()
    inbox_ids = await sandbox.member_ids()
    assert listing.truncated_collections == ["response"]
    listed_inbox = {n.id for n in listing.negotiations} & inbox_ids
    assert listing.missing == target.total - len(listed_inbox) > 0
