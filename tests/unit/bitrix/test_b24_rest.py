"""Retry, outcome-unknown and refresh rules of the REST layer, against a scripted ASGI portal.

The portal here is a tiny Starlette app answering from a script per path (via
``httpx.ASGITransport``), so each test states exactly what Bitrix24 answers and counts what the
client sent. Time is a FrozenClock; sleeping just moves it.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import structlog
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hhsync.bitrix.auth import OAuthApp, PortalTokens
from hhsync.bitrix.batch import Command
from hhsync.bitrix.client import BitrixClient, make_http_client, portal_client
from hhsync.bitrix.errors import (
    OperationTimeLimit,
    OutcomeUnknown,
    PortalMoved,
    QueryLimitExceeded,
    ServerError,
    TokenRejected,
)
from hhsync.bitrix.limiter import PortalLimiter
from hhsync.bitrix.rest import RetryPolicy, is_idempotent
from hhsync.clock import FrozenClock

PORTAL = "http://portal.test/rest/"
OK_USER = {"result": {"ID": "1", "NAME": "A"}, "time": {"operating": 0}}


@dataclass
class ScriptedPortal:
    """Answers each path from its queue (the last answer repeats); records every request."""

    script: dict[str, deque[Response]] = field(default_factory=lambda: defaultdict(deque))
    seen: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    refreshes: int = 0
    current_token: str = "old-access"

    def on(self, path: str, *responses: Response) -> None:
        self.script[path].extend(responses)

    async def handle(self, request: Request) -> Response:
        body = (await request.body()).decode()
        self.seen.append((request.url.path, dict(request.query_params), body))
        if request.url.path == "/oauth/token/":
            self.refreshes += 1
            await asyncio.sleep(0)  # let concurrent callers pile up behind the lock
            self.current_token = f"new-access-{self.refreshes}"
            return JSONResponse(
                {
                    "access_token": self.current_token,
                    "refresh_token": f"new-refresh-{self.refreshes}",
                    "expires_in": 3600,
                    "client_endpoint": PORTAL,
                    "member_id": "m1",
                }
            )
        queue = self.script[request.url.path]
        if not queue:
            if request.query_params.get("auth") != self.current_token:
                return JSONResponse({"error": "expired_token"}, status_code=401)
            return JSONResponse(OK_USER)
        return queue.popleft() if len(queue) > 1 else queue[0]

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET", "POST"])])

    def count(self, path: str) -> int:
        return sum(1 for p, _, _ in self.seen if p == path)


@dataclass
class Rig:
    portal: ScriptedPortal
    client: BitrixClient
    clock: FrozenClock
    saved: list[PortalTokens]


def build_client(
    http: httpx.AsyncClient, clock: FrozenClock, persist: Any, attempts: int = 4
) -> BitrixClient:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    return portal_client(
        http,
        PortalTokens(SecretStr("old-access"), SecretStr("old-refresh"), PORTAL),
        OAuthApp("app", SecretStr("secret"), "http://portal.test/oauth/token/"),
        persist,
        PortalLimiter(clock=clock, sleep=sleep),
        RetryPolicy(attempts=attempts, sleep=sleep),
    )


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    portal = ScriptedPortal()
    clock = FrozenClock()
    saved: list[PortalTokens] = []

    async def persist(tokens: PortalTokens) -> None:
        saved.append(tokens)

    transport = httpx.ASGITransport(app=portal.app())
    async with make_http_client(transport=transport) as http:
        yield Rig(portal, build_client(http, clock, persist), clock, saved)


def html(status: int) -> Response:
    return Response("<html>bad gateway</html>", status_code=status, media_type="text/html")


def test_only_reads_count_as_idempotent() -> None:
    assert is_idempotent("crm.lead.get")
    assert is_idempotent("crm.duplicate.findbycomm")
    assert is_idempotent("user.admin")
    assert not is_idempotent("crm.lead.add")
    assert not is_idempotent("crm.lead.update")
    assert not is_idempotent("batch")


async def test_token_travels_in_the_auth_param(rig: Rig) -> None:
    await rig.client.user_current()
    path, query, _ = rig.portal.seen[0]
    assert path == "/rest/user.current.json"
    assert query["auth"] == "old-access"


async def test_add_answered_by_a_5xx_page_is_outcome_unknown_and_not_resent(rig: Rig) -> None:
    rig.portal.on("/rest/crm.lead.add.json", html(502))
    with pytest.raises(OutcomeUnknown) as err:
        await rig.client.add("lead", {"TITLE": "x", "ORIGIN_ID": "n1"})
    assert rig.portal.count("/rest/crm.lead.add.json") == 1
    assert isinstance(err.value.__cause__, ServerError)


async def test_add_answered_with_garbage_is_outcome_unknown(rig: Rig) -> None:
    rig.portal.on("/rest/crm.lead.add.json", Response('{"result": 1', media_type="text/json"))
    with pytest.raises(OutcomeUnknown):
        await rig.client.add("lead", {"TITLE": "x"})
    assert rig.portal.count("/rest/crm.lead.add.json") == 1


async def test_read_answered_by_a_5xx_page_is_retried(rig: Rig) -> None:
    rig.portal.on("/rest/user.current.json", html(502), html(504), JSONResponse(OK_USER))
    user = await rig.client.user_current()
    assert user.ID == 1
    assert rig.portal.count("/rest/user.current.json") == 3


async def test_batch_with_a_write_is_not_resent_after_a_5xx(rig: Rig) -> None:
    rig.portal.on("/rest/batch.json", html(500))
    with pytest.raises(OutcomeUnknown):
        await rig.client.batch({"a": Command("crm.lead.add", {"fields": {"TITLE": "x"}})})
    assert rig.portal.count("/rest/batch.json") == 1


async def test_retries_stop_after_the_attempt_bound(rig: Rig) -> None:
    limit = JSONResponse(
        {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many"}, status_code=503
    )
    rig.portal.on("/rest/user.current.json", limit)
    with pytest.raises(QueryLimitExceeded):
        await rig.client.user_current()
    assert rig.portal.count("/rest/user.current.json") == 4
    assert rig.client.rest.limiter.query_limit_hits == 4


async def test_operation_time_limit_pauses_the_method_then_retries(rig: Rig) -> None:
    refused = JSONResponse(
        {
            "error": "OPERATION_TIME_LIMIT",
            "error_description": "Method is blocked due to operation time limit.",
        },
        status_code=429,
    )
    rig.portal.on(
        "/rest/crm.lead.list.json", refused, JSONResponse({"result": [], "total": 0, "time": {}})
    )
    assert await rig.client.list_entities("lead") == []
    assert rig.clock.monotonic() >= 60.0  # paused for a minute basket before the second try
    assert rig.client.rest.limiter.budget.delay("crm.lead.list", rig.clock.monotonic()) == 0.0


async def test_operation_time_limit_on_an_add_is_retried_because_it_never_ran(rig: Rig) -> None:
    rig.portal.on(
        "/rest/crm.deal.add.json",
        JSONResponse({"error": "OPERATION_TIME_LIMIT"}, status_code=429),
        JSONResponse({"result": 7, "time": {}}),
    )
    assert await rig.client.add("deal", {"TITLE": "x"}) == 7


async def test_redirect_means_the_portal_moved(rig: Rig) -> None:
    moved_to = "https://new.bitrix24.ru/rest/user.current.json?auth=old-access&x=1"
    rig.portal.on(
        "/rest/user.current.json", Response(status_code=302, headers={"Location": moved_to})
    )
    with pytest.raises(PortalMoved) as err:
        await rig.client.user_current()
    assert err.value.location == "https://new.bitrix24.ru/rest/user.current.json?x=1"
    assert "old-access" not in str(err.value)
    assert rig.portal.count("/rest/user.current.json") == 1


async def test_concurrent_expired_tokens_share_one_refresh_persisted_before_use(rig: Rig) -> None:
    rig.portal.current_token = "rotated-elsewhere"  # every call with old-access is now expired
    with structlog.testing.capture_logs() as logs:
        users = await asyncio.gather(*(rig.client.user_current() for _ in range(10)))
    assert [u.ID for u in users] == [1] * 10
    assert rig.portal.refreshes == 1
    assert [t.access_token.get_secret_value() for t in rig.saved] == ["new-access-1"]
    refresh_form = next(b for p, _, b in rig.portal.seen if p == "/oauth/token/")
    assert "grant_type=refresh_token" in refresh_form
    assert "refresh_token=old-refresh" in refresh_form
    assert "new-access-1" not in json.dumps(logs, default=str)


async def test_a_failing_persist_stops_the_call_and_keeps_the_old_pair() -> None:
    portal = ScriptedPortal(current_token="rotated-elsewhere")

    async def broken(tokens: PortalTokens) -> None:
        raise RuntimeError("database down")

    async with make_http_client(transport=httpx.ASGITransport(app=portal.app())) as http:
        client = build_client(http, FrozenClock(), broken)
        with pytest.raises(RuntimeError, match="database down"):
            await client.user_current()
    assert client.rest.auth.tokens.access_token.get_secret_value() == "old-access"
    assert portal.count("/rest/user.current.json") == 1  # nothing ran with the unsaved token


async def test_refresh_refused_with_invalid_grant_needs_reauth() -> None:
    portal = ScriptedPortal(current_token="rotated-elsewhere")

    async def refuse(request: Request) -> Response:
        return JSONResponse({"error": "invalid_grant", "error_description": "gone"}, 400)

    async def persist(tokens: PortalTokens) -> None:
        raise AssertionError("nothing to persist")

    app = Starlette(
        routes=[
            Route("/oauth/token/", refuse, methods=["POST"]),
            Route("/{path:path}", portal.handle, methods=["POST"]),
        ]
    )
    async with make_http_client(transport=httpx.ASGITransport(app=app)) as http:
        client = build_client(http, FrozenClock(), persist)
        with pytest.raises(TokenRejected):
            await client.user_current()
    assert portal.count("/rest/user.current.json") == 1  # NeedsReauth is not retried


def test_operation_time_limit_is_retriable_with_a_hint() -> None:
    assert OperationTimeLimit("x").retry_after_s == 60.0


async def test_a_refresh_whose_caller_is_cancelled_finishes_and_is_never_sent_twice() -> None:
    """Bitrix24 refresh tokens work once: a pass cancelled mid-refresh (a write's timeout, a stop)
    must neither lose the new pair nor let the next request spend the old refresh token again."""
    portal = ScriptedPortal(current_token="issued-since")  # our access token has expired
    clock = FrozenClock()
    saved: list[PortalTokens] = []
    answer = asyncio.Event()

    async def slow_token(request: Request) -> Response:
        await answer.wait()  # the OAuth server is slow to answer
        return await portal.handle(request)

    async def persist(tokens: PortalTokens) -> None:
        saved.append(tokens)

    app = portal.app()
    app.router.routes.insert(0, Route("/oauth/token/", slow_token, methods=["POST"]))
    async with make_http_client(transport=httpx.ASGITransport(app=app)) as http:
        client = build_client(http, clock, persist)
        cancelled = asyncio.create_task(client.user_current())
        while portal.count("/rest/user.current.json") == 0:  # noqa: ASYNC110 - scripted app
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)  # the expired-token answer came; the refresh is on its way
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        answer.set()
        user = await client.user_current()  # waits for the orphaned refresh, then uses its pair
    assert user.ID == 1
    assert portal.refreshes == 1
    assert [t.refresh_token.get_secret_value() for t in saved] == ["new-refresh-1"]
