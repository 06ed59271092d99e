"""The hh.ru client against the hh.ru sandbox over real HTTP: every error type, refresh, the budget.

The sandbox and the client share one FrozenClock: the sandbox's token expiry and rate window and
the client's budget and retry waits all run in the same virtual time, so nothing sleeps for real
(except the one timeout test, which waits for the client's 0.2 s timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from structlog.testing import capture_logs

from hhsync.clock import FrozenClock
from hhsync.errors import Fatal, NeedsReauth, Retriable, Skippable
from hhsync.hh.auth import HhAuth, TokenPair, authorization_url, exchange_code
from hhsync.hh.budget import RequestBudget
from hhsync.hh.client import (
    EVENT_HH_RETRY,
    HhClient,
    RetryPolicy,
    new_http_client,
    user_agent,
)
from hhsync.hh.errors import (
    AppCredentialsRejected,
    Forbidden,
    InvalidPayload,
    NetworkError,
    NotFound,
    PasswordChanged,
    RefreshTokenReused,
    ServerError,
    TokenPersistFailed,
    TokenRevoked,
    ViewLimitExceeded,
)
from hhsync.hh.paging import DEFAULT_MAX_DEPTH_ITEMS
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.runtime import DEPTH_PROFILES
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.server import free_port, serve

UA = user_agent("sandbox-test@example.com")
FOURTEEN_DAYS_S = 14 * 24 * 3600


@dataclass
class Vault:
    """A token store that can be told to fail, as a database can."""

    saved: list[TokenPair] = field(default_factory=list)
    failures_left: int = 0

    async def persist(self, pair: TokenPair) -> None:
        if self.failures_left > 0:
            self.failures_left -= 1
            raise OSError("disk full")
        self.saved.append(pair)


@dataclass
class World:
    """One sandbox, its admin API, our process-wide HTTP client and a shared virtual clock."""

    url: str
    clock: FrozenClock
    http: httpx.AsyncClient
    admin: httpx.AsyncClient
    manager_id: str = ""
    manager_email: str = ""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # as a real sleep does, let woken tasks run first
        self.clock.advance(seconds)

    async def tokens(self, *, expires_at: datetime | None = None) -> TokenPair:
        answer = await self.admin.post("/_sandbox/tokens", json={"manager_id": self.manager_id})
        answer.raise_for_status()
        body = answer.json()
        return TokenPair(body["access_token"], body["refresh_token"], expires_at)

    def auth(self, pair: TokenPair, vault: Vault) -> HhAuth:
        return HhAuth(
            pair,
            token_url=f"{self.url}/token",
            user_agent=UA,
            persist=vault.persist,
            clock=self.clock,
        )

    def budget(self, requests_per_s: float = 1000.0) -> RequestBudget:
        return RequestBudget(requests_per_s, clock=self.clock, sleep=self.sleep)

    def client(
        self,
        auth: HhAuth,
        *,
        budget: RequestBudget | None = None,
        account_key: str = "a1",
        max_depth_items: int | None = DEFAULT_MAX_DEPTH_ITEMS,
        http: httpx.AsyncClient | None = None,
        attempts: int = 3,
    ) -> HhClient:
        return HhClient(
            http or self.http,
            auth=auth,
            budget=budget or self.budget(),
            account_key=account_key,
            retry=RetryPolicy(attempts=attempts, first_wait_s=0.05, max_wait_s=0.05),
            sleep=self.sleep,
            max_depth_items=max_depth_items,
        )

    async def ready_client(self, vault: Vault | None = None) -> HhClient:
        return self.client(self.auth(await self.tokens(), vault or Vault()))

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = await self.admin.post(path, json=body)
        assert answer.status_code < 300, answer.text
        return answer.json()

    async def log(self) -> list[tuple[str, str, int]]:
        items = (await self.admin.get("/_sandbox/requests")).json()["items"]
        return [(i["method"], i["path"], i["status"]) for i in items]

    async def clear_log(self) -> None:
        await self.admin.delete("/_sandbox/requests")

    async def fault(self, fault: dict[str, Any], times: int = 1) -> None:
        await self.post("/_sandbox/faults", {"fault": fault, "times": times})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sandbox_url(clock: FrozenClock) -> Iterator[str]:
    config = HhSandboxConfig(
        base_clock=clock, employers=1, vacancies_per_employer=2, negotiations_per_vacancy=6
    )
    with serve(create_app(config)) as url:
        yield url


@pytest.fixture
async def world(sandbox_url: str, clock: FrozenClock) -> AsyncIterator[World]:
    async with (
        new_http_client(base_url=sandbox_url, user_agent=UA, timeout_s=5) as http,
        httpx.AsyncClient(base_url=sandbox_url, headers={"User-Agent": UA}) as admin,
    ):
        state = (await admin.get("/_sandbox/state")).json()
        manager = next(m for m in state["employers"][0]["managers"] if m["is_admin"])
        yield World(sandbox_url, clock, http, admin, manager["id"], manager["email"])


async def _first_negotiation(client: HhClient) -> Any:
    me = await client.me()
    assert me.employer is not None
    vacancy = (await client.active_vacancies(me.employer.id))[0]
    listing = await client.vacancy_negotiations(vacancy.id)
    return next(n for n in listing.negotiations if n.resume is not None)


# --- OAuth: expiry, refresh, single use, persistence ------------------------------------------


async def test_expired_token_is_refreshed_persisted_and_request_repeated(world: World) -> None:
    vault = Vault()
    client = world.client(world.auth(await world.tokens(), vault))
    await world.post("/_sandbox/clock/advance", {"seconds": FOURTEEN_DAYS_S + 1})

    me = await client.me()

    assert me.manager is not None
    assert len(vault.saved) == 1
    assert await world.log() == [("GET", "/me", 403), ("POST", "/token", 200), ("GET", "/me", 200)]


async def test_stored_expiry_refreshes_before_sending(world: World) -> None:
    vault = Vault()
    expired_at = world.clock.now() - timedelta(seconds=1)
    client = world.client(world.auth(await world.tokens(expires_at=expired_at), vault))
    await world.post("/_sandbox/clock/advance", {"seconds": FOURTEEN_DAYS_S + 1})

    await client.me()

    assert await world.log() == [("POST", "/token", 200), ("GET", "/me", 200)]
    assert vault.saved[0].expires_at == world.clock.now() + timedelta(seconds=FOURTEEN_DAYS_S)


async def test_refresh_refused_as_too_early_keeps_the_token(world: World) -> None:
    vault = Vault()
    wrong_expiry = world.clock.now() - timedelta(seconds=1)  # our clock ran ahead of hh.ru's
    client = world.client(world.auth(await world.tokens(expires_at=wrong_expiry), vault))

    await client.me()
    await client.me()

    assert vault.saved == []
    assert await world.log() == [("POST", "/token", 400), ("GET", "/me", 200), ("GET", "/me", 200)]


async def test_concurrent_requests_refresh_once(world: World) -> None:
    vault = Vault()
    client = world.client(world.auth(await world.tokens(), vault))
    await world.post("/_sandbox/clock/advance", {"seconds": FOURTEEN_DAYS_S + 1})

    results = await asyncio.gather(*(client.me() for _ in range(5)))

    assert all(me.manager is not None for me in results)
    assert len(vault.saved) == 1
    assert [entry for entry in await world.log() if entry[1] == "/token"] == [
        ("POST", "/token", 200)
    ]


async def test_a_used_refresh_token_is_refused_and_the_account_needs_reauth(
    world: World,
) -> None:
    pair = await world.tokens()
    await world.post("/_sandbox/clock/advance", {"seconds": FOURTEEN_DAYS_S + 1})
    await world.client(world.auth(pair, Vault())).me()  # spends pair.refresh_token
    stale = world.client(world.auth(pair, Vault()))  # e.g. a copy read before the refresh

    with pytest.raises(RefreshTokenReused) as caught:
        await stale.me()
    assert isinstance(caught.value, NeedsReauth)
    await world.clear_log()
    with pytest.raises(TokenRevoked):
        await stale.me()
    assert await world.log() == []  # a dead account does not bother hh.ru again


async def test_new_pair_is_used_only_after_it_was_stored(world: World) -> None:
    vault = Vault(failures_left=1)
    client = world.client(world.auth(await world.tokens(), vault))
    await world.post("/_sandbox/clock/advance", {"seconds": FOURTEEN_DAYS_S + 1})

    with pytest.raises(TokenPersistFailed):
        await client.me()
    assert await world.log() == [("GET", "/me", 403), ("POST", "/token", 200)]

    await world.clear_log()
    await client.me()  # stores the pending pair first, then uses it; no second refresh
    assert len(vault.saved) == 1
    assert await world.log() == [("GET", "/me", 200)]


async def test_revoked_token_needs_reauth_without_a_refresh(world: World) -> None:
    pair = await world.tokens()
    client = world.client(world.auth(pair, Vault()))
    await world.post("/_sandbox/tokens/revoke", {"access_token": pair.access_token})

    with pytest.raises(TokenRevoked) as caught:
        await client.me()

    assert isinstance(caught.value, NeedsReauth)
    assert await world.log() == [("GET", "/me", 403)]


async def test_password_change_kills_the_account(world: World) -> None:
    client = world.client(
        world.auth(await world.tokens(expires_at=world.clock.now() + timedelta(days=14)), Vault())
    )
    me = await client.me()
    assert me.employer is not None
    await world.post(f"/_sandbox/employers/{me.employer.id}/password_changed", {})
    with pytest.raises(TokenRevoked):
        await client.me()  # the access token dies at once (token_revoked)

    world.clock.advance(FOURTEEN_DAYS_S + 1)  # our stored expiry passes: a refresh is tried
    with pytest.raises(PasswordChanged) as caught:
        await client.me()
    assert isinstance(caught.value, NeedsReauth)


# --- other error types -------------------------------------------------------------------------


async def test_action_on_an_archived_vacancy_is_forbidden(world: World) -> None:
    client = await world.ready_client()
    negotiation = await _first_negotiation(client)
    action = next(a for a in negotiation.actions if a.enabled)
    vacancy_id = negotiation.resume.pdf_url.split("vacancy_id=")[1]
    await world.post(f"/_sandbox/vacancies/{vacancy_id}/archive", {})

    with pytest.raises(Forbidden) as caught:
        await client.change_state(action.url)

    assert isinstance(caught.value, Skippable)
    assert ("negotiations", "invalid_vacancy") in {(e.type, e.value) for e in caught.value.errors}


async def test_change_state_moves_the_negotiation(world: World) -> None:
    client = await world.ready_client()
    negotiation = await _first_negotiation(client)
    action = next(a for a in negotiation.actions if a.enabled and a.resulting_employer_state)

    await client.change_state(action.url)

    moved = await client.negotiation(negotiation.id)
    assert moved.employer_state == action.resulting_employer_state


async def test_vanished_negotiation_and_deleted_resume_are_not_found(world: World) -> None:
    client = await world.ready_client()
    negotiation = await _first_negotiation(client)
    await world.post(f"/_sandbox/negotiations/{negotiation.id}/vanish", {})
    with pytest.raises(NotFound) as caught:
        await client.negotiation(negotiation.id)
    assert isinstance(caught.value, Skippable)
    assert caught.value.request_id

    await world.post(f"/_sandbox/resumes/{negotiation.resume.id}/delete", {})
    with pytest.raises(NotFound):
        await client.resume(negotiation.resume.url)


async def test_daily_view_limit_is_its_own_error(world: World) -> None:
    client = await world.ready_client()
    me = await client.me()
    assert me.employer is not None
    vacancy = (await client.active_vacancies(me.employer.id))[0]
    resumes = [n.resume for n in (await client.vacancy_negotiations(vacancy.id)).negotiations]
    urls = list({r.id: r.url for r in resumes if r is not None}.values())
    await world.post("/_sandbox/limits", {"resume_views_per_day": 1})

    await client.resume(urls[0])
    with pytest.raises(ViewLimitExceeded) as caught:
        await client.resume(urls[1])

    assert isinstance(caught.value, Skippable)  # not retried by the client; the engine pauses
    assert caught.value.status_code == 429


async def test_server_errors_are_retried(world: World) -> None:
    client = await world.ready_client()
    await world.fault({"kind": "error", "status": 503, "path_contains": "/me"}, times=2)

    with capture_logs() as logs:
        me = await client.me()

    assert me.manager is not None
    retries = [e for e in logs if e["event"] == EVENT_HH_RETRY]
    assert [(e["error"], e["attempt"]) for e in retries] == [("ServerError", 1), ("ServerError", 2)]
    assert await world.log() == [("GET", "/me", 503), ("GET", "/me", 503), ("GET", "/me", 200)]


async def test_server_errors_give_up_after_the_attempts(world: World) -> None:
    client = await world.ready_client()
    await world.fault({"kind": "error", "status": 502, "path_contains": "/me"}, times=5)

    with pytest.raises(ServerError) as caught:
        await client.me()

    assert isinstance(caught.value, Retriable)
    assert await world.log() == [("GET", "/me", 502)] * 3


async def test_timeout_is_a_network_error_and_retried(world: World) -> None:
    async with new_http_client(base_url=world.url, user_agent=UA, timeout_s=0.2) as impatient:
        client = world.client(world.auth(await world.tokens(), Vault()), http=impatient)
        await world.fault({"kind": "slow", "delay_s": 0.6, "path_contains": "/me"})

        me = await client.me()

    assert me.manager is not None


async def test_unreachable_hh_is_a_network_error(world: World) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with new_http_client(base_url=nowhere, user_agent=UA, timeout_s=2) as http:
        client = world.client(world.auth(await world.tokens(), Vault()), http=http, attempts=2)
        with pytest.raises(NetworkError) as caught:
            await client.me()
    assert isinstance(caught.value, Retriable)


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
async def test_broken_body_is_invalid_payload_with_request_id(world: World, kind: str) -> None:
    client = await world.ready_client()
    me = await client.me()
    assert me.employer is not None
    await world.fault({"kind": kind, "path_contains": "/vacancies/active"})

    with pytest.raises(InvalidPayload) as caught:
        await client.active_vacancies(me.employer.id)

    assert isinstance(caught.value, Skippable)
    assert caught.value.request_id is not None
    assert caught.value.request_id in str(caught.value)


# --- paging ------------------------------------------------------------------------------------


async def _vacancy_with_many_responses(world: World, client: HhClient, extra: int) -> str:
    me = await client.me()
    assert me.employer is not None
    vacancy = (await client.active_vacancies(me.employer.id))[0]
    for _ in range(extra):
        await world.post("/_sandbox/negotiations", {"vacancy_id": vacancy.id})
    return vacancy.id


async def test_paging_stops_at_our_depth_limit(world: World) -> None:
    client = await world.ready_client()
    vacancy_id = await _vacancy_with_many_responses(world, client, 60)
    shallow = world.client(world.auth(await world.tokens(), Vault()), max_depth_items=50)
    collections = await shallow.negotiation_collections(vacancy_id)
    inbox = next(c for c in collections.collections if c.id == "response")
    await world.clear_log()

    items, truncated = await shallow.collection_negotiations(inbox.url)

    assert truncated
    assert len(items) == 50
    assert len(await world.log()) == 1  # never asked for a page hh.ru would refuse


async def test_default_listing_never_asks_past_the_strict_depth(clock: FrozenClock) -> None:
    """hh.ru's stricter depth reading (page * per_page <= 2000: the spec's bound for
    ``search-for-resumes`` and ``get-vacancies``; for negotiation lists hhru/api issue #98 once
    answered 10000, the spec says nothing) is the
    sandbox's default and the client's: a 2,300-response collection is read whole by the
    collection list's filters (hh.ru OpenAPI spec, ``get-collection-negotiations-list``), with no
    request hh.ru would refuse and no gap."""
    assert DEFAULT_MAX_DEPTH_ITEMS == DEPTH_PROFILES["strict"] == HhSandboxConfig().depth_limit
    config = HhSandboxConfig(
        base_clock=clock,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=1,
        archived_vacancies_per_employer=0,
        applicants=2300,
        negotiations_per_vacancy=2300,
        rate_limit_per_s=0,
    )
    app = create_app(config)
    for negotiation in app.state.sandbox.store.negotiations.values():
        negotiation.employer_state = "response"  # one collection deeper than the limit
    with serve(app) as url:
        async with (
            new_http_client(base_url=url, user_agent=UA, timeout_s=5) as http,
            httpx.AsyncClient(base_url=url, headers={"User-Agent": UA}) as admin,
        ):
            deep = World(url, clock, http, admin)
            state = (await admin.get("/_sandbox/state")).json()
            deep.manager_id = state["employers"][0]["managers"][0]["id"]
            client = deep.client(deep.auth(await deep.tokens(), Vault()))
            vacancy_id = state["vacancies"][0]["id"]
            await deep.clear_log()

            listing = await client.vacancy_negotiations(vacancy_id)
            log = await deep.log()

    assert listing.truncated_collections == []
    assert listing.missing == 0
    assert len({n.id for n in listing.negotiations}) == 2300
    assert {status for _, _, status in log} == {200}
    # the first unfiltered page, then parts that each fit the depth
    assert sum(1 for _, path, _ in log if path == "/negotiations/response") > 47


async def test_paging_stops_when_hh_refuses_the_depth(world: World) -> None:
    client = await world.ready_client()
    vacancy_id = await _vacancy_with_many_responses(world, client, 60)
    await world.post("/_sandbox/limits", {"depth_limit": 50})
    unbounded = world.client(world.auth(await world.tokens(), Vault()), max_depth_items=None)
    collections = await unbounded.negotiation_collections(vacancy_id)
    inbox = next(c for c in collections.collections if c.id == "response")

    items, truncated = await unbounded.collection_negotiations(inbox.url)

    assert truncated
    assert len(items) == 50


async def test_paging_reads_every_page(world: World) -> None:
    client = await world.ready_client()
    vacancy_id = await _vacancy_with_many_responses(world, client, 60)
    collections = await client.negotiation_collections(vacancy_id)
    inbox = next(c for c in collections.collections if c.id == "response")

    items, truncated = await client.collection_negotiations(inbox.url)

    assert not truncated
    assert len({n.id for n in items}) == inbox.counters.total >= 60


# --- the request budget and 429 ----------------------------------------------------------------


async def test_budget_below_the_limit_never_meets_a_429() -> None:
    """Real time, as request arrival is what hh.ru counts: the sandbox runs 4x faster, so its
    10 requests a second become 40 real ones and the budget's 6 a second 24 real ones."""
    speed = 4.0
    config = HhSandboxConfig(speed=speed, employers=1, vacancies_per_employer=1)
    with serve(create_app(config)) as url:
        async with (
            new_http_client(base_url=url, user_agent=UA) as http,
            httpx.AsyncClient(base_url=url, headers={"User-Agent": UA}) as admin,
        ):
            real_time = World(url, FrozenClock(), http, admin)
            state = (await admin.get("/_sandbox/state")).json()
            real_time.manager_id = state["employers"][0]["managers"][0]["id"]
            pair = await real_time.tokens()
            budget = RequestBudget(6 * speed)  # the system clock and real sleeps
            clients = [
                HhClient(
                    http,
                    auth=HhAuth(
                        pair, token_url=f"{url}/token", user_agent=UA, persist=Vault().persist
                    ),
                    budget=budget,
                    account_key=f"account-{i}",
                    retry=RetryPolicy(attempts=1),
                )
                for i in range(3)
            ]

            await asyncio.gather(*(clients[i % 3].me() for i in range(20)))

            statuses = [status for _, _, status in await real_time.log()]
    assert statuses == [200] * 20


async def test_rate_limited_requests_back_off_and_succeed(world: World) -> None:
    budget = world.budget(requests_per_s=1000)  # far above hh.ru's 10 a second
    client = world.client(world.auth(await world.tokens(), Vault()), budget=budget, attempts=4)
    started = world.clock.monotonic()

    results = await asyncio.gather(*(client.me() for _ in range(15)))

    assert len(results) == 15
    statuses = [status for _, _, status in await world.log()]
    assert 429 in statuses
    assert statuses.count(200) == 15
    assert world.clock.monotonic() - started >= 1.0  # the whole process held back after the 429


# --- OAuth code flow and URL safety ------------------------------------------------------------


async def test_authorization_code_flow_end_to_end(world: World) -> None:
    redirect_uri = "http://127.0.0.1:8080/oauth/hh/callback"  # the sandbox app's registered one
    url = authorization_url(
        world.url, client_id="hhsync-demo", state="signed-state", redirect_uri=redirect_uri
    )
    decision = await HhBrowser(world.admin).authorize(url, world.manager_email)
    assert decision.status_code == 302
    answer = dict(parse_qsl(urlsplit(decision.headers["location"]).query))
    assert answer["state"] == "signed-state"

    pair = await exchange_code(
        world.http,
        token_url=f"{world.url}/token",
        client_id="hhsync-demo",
        client_secret="hhsync-demo-secret",
        code=answer["code"],
        redirect_uri=redirect_uri,
        clock=world.clock,
    )
    me = await world.client(world.auth(pair, Vault())).me()
    assert me.manager is not None
    assert me.manager.id == world.manager_id
    with pytest.raises(TokenRevoked):  # an authorization code works once
        await exchange_code(
            world.http,
            token_url=f"{world.url}/token",
            client_id="hhsync-demo",
            client_secret="hhsync-demo-secret",
            code=answer["code"],
            redirect_uri=redirect_uri,
        )


async def test_invalidate_token_kills_the_pair_through_a_shared_client(world: World) -> None:
    """``DELETE /token`` (hh.ru OpenAPI spec ``invalidate-token``), sent through a client without
    a base URL of its own, as the web app's shared one is."""
    pair = await world.tokens()
    async with httpx.AsyncClient(headers={"User-Agent": UA}) as shared:
        client = HhClient(
            shared,
            auth=world.auth(pair, Vault()),
            budget=world.budget(),
            account_key="web",
            base_url=world.url,
        )
        assert (await client.me()).manager is not None
        await client.invalidate_token()
        with pytest.raises(TokenRevoked):
            await client.me()


async def test_wrong_client_secret_is_fatal(world: World) -> None:
    with pytest.raises(AppCredentialsRejected) as caught:
        await exchange_code(
            world.http,
            token_url=f"{world.url}/token",
            client_id="hhsync-demo",
            client_secret="wrong",
            code="whatever",
            redirect_uri=None,
        )
    assert isinstance(caught.value, Fatal)


async def test_credentials_never_go_to_a_foreign_host(world: World) -> None:
    client = await world.ready_client()
    await world.clear_log()
    with pytest.raises(InvalidPayload, match=r"evil\.example\.com"):
        await client.resume("https://evil.example.com/resumes/1?topic_id=2")
    assert await world.log() == []


async def test_negotiation_pages_stream_page_by_page(world: World) -> None:
    client = await world.ready_client()
    vacancy_id = await _vacancy_with_many_responses(world, client, 60)
    collections = await client.negotiation_collections(vacancy_id)
    inbox = next(c for c in collections.collections if c.id == "response")

    pages = [page async for page in client.negotiation_pages(inbox.url, per_page=25)]

    assert [p.page for p in pages] == list(range(pages[0].pages))
    assert sum(len(p.items) for p in pages) == inbox.counters.total
