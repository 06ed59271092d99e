"""The client's vacancy listing reads every negotiation while the collection re-sorts under it.

hh.ru's default order of a collection follows the applicant's activity
(``last_change_time_except_employer_inbox``, "По дате создания и активности соискателя", hh.ru
OpenAPI spec, ``NegotiationsEmployerListResponse``): an applicant who writes while hhsync pages
jumps to the first page, already read. hh.ru computes each page per request (no stable paging
is documented), so the client lists in ``created_at`` order, which no activity changes.
The sandbox runs in-process (``httpx.ASGITransport``) on a frozen clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from hhsync.clock import FrozenClock
from hhsync.hh.auth import HhAuth, TokenPair
from hhsync.hh.budget import RequestBudget
from hhsync.hh.client import HhClient, user_agent
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.runtime import HhSandbox

BASE = "http://hh.test"
MANAGER_ID = "87654321"  # the company admin of employer 1455 in the generated world
UA = user_agent("sandbox-test@example.com")


@dataclass
class Rig:
    sandbox: HhSandbox
    admin: httpx.AsyncClient
    http: httpx.AsyncClient
    clock: FrozenClock

    async def client(self) -> HhClient:
        issued = (await self.admin.post("/_sandbox/tokens", json={"manager_id": MANAGER_ID})).json()
        pair = TokenPair(issued["access_token"], issued["refresh_token"], None)

        async def keep(_: TokenPair) -> None:
            return None

        auth = HhAuth(
            pair, token_url=f"{BASE}/token", user_agent=UA, persist=keep, clock=self.clock
        )
        budget = RequestBudget(1000.0, clock=self.clock, sleep=self.sleep)
        return HhClient(self.http, auth=auth, budget=budget, account_key="a", sleep=self.sleep)

    async def sleep(self, seconds: float) -> None:
        """Waits of the client's budget pass in virtual time."""
        await asyncio.sleep(0)
        self.clock.advance(seconds)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    clock = FrozenClock()
    app = create_app(HhSandboxConfig(seed=1, base_clock=clock, rate_limit_per_s=0))
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url=BASE) as admin,
        httpx.AsyncClient(transport=transport, base_url=BASE, headers={"User-Agent": UA}) as http,
    ):
        yield Rig(app.state.sandbox, admin, http, clock)


async def test_an_applicant_writing_between_two_pages_is_not_missed(rig: Rig) -> None:
    vacancy_id = next(
        v.id
        for v in sorted(rig.sandbox.store.vacancies.values(), key=lambda v: v.id)
        if v.employer_id == "1455" and not v.archived and v.manager_id == MANAGER_ID
    )
    added = []
    for _ in range(55):  # more than one page of 50 in the unsorted inbox
        answer = await rig.admin.post("/_sandbox/negotiations", json={"vacancy_id": vacancy_id})
        added.append(answer.json()["id"])
        await rig.admin.post("/_sandbox/clock/advance", json={"seconds": 60})
    oldest = added[0]  # last in the default order, so on the second page
    pages_read: list[str] = []

    async def applicant_writes_after_the_first_page(response: httpx.Response) -> None:
        request = response.request
        if request.url.path == "/negotiations/response":
            pages_read.append(request.url.params["page"])
            if request.url.params["page"] == "0":
                await rig.admin.post("/_sandbox/clock/advance", json={"seconds": 60})
                wrote = await rig.admin.post(f"/_sandbox/negotiations/{oldest}/applicant_message")
                assert wrote.status_code == 200, wrote.text

    rig.http.event_hooks["response"].append(applicant_writes_after_the_first_page)
    listing = await (await rig.client()).vacancy_negotiations(vacancy_id)

    assert pages_read == ["0", "1"]  # the walk did page while the applicant wrote
    listed = {n.id for n in listing.negotiations}
    assert set(added) <= listed
    everything = {n.id for n in rig.sandbox.store.negotiations_of(vacancy_id)}
    assert listed == everything
