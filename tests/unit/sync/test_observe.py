"""Traffic observation for /metrics, against both sandboxes in-process (httpx ASGI transport).

Requests by HTTP status (``none`` when no answer came), Bitrix24 errors by the portal's code as the
client classified them (inside a batch too), and waits of the hh.ru budget.
"""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import SecretStr

from hhsync.bitrix.auth import OAuthApp, PortalTokens
from hhsync.bitrix.batch import Command
from hhsync.bitrix.client import make_http_client, portal_client
from hhsync.bitrix.errors import RecordRejected
from hhsync.bitrix.limiter import BitrixLimits, PortalLimiter
from hhsync.bitrix.rest import RetryPolicy
from hhsync.clock import FrozenClock
from hhsync.hh.budget import RequestBudget
from hhsync.metrics import Metrics
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sync.observe import (
    ObservedTransport,
    bitrix_error_observer,
    bitrix_observer,
    hh_observer,
    pooled_transport,
)
from hhsync.testing.server import free_port

UA = {"HH-User-Agent": "hhsync-tests/1.0 (tests@example.com)"}


def sample(metrics: Metrics, family: str, **labels: str) -> float:
    """One sample of ``hhsync_<family>_total`` (0 when the family has no such labels yet)."""
    value = metrics.registry.get_sample_value(f"hhsync_{family}_total", labels)
    return value or 0.0


async def test_hh_answers_are_counted_by_status_and_errors_include_missing_answers() -> None:
    metrics = Metrics()
    sandbox = create_hh(HhSandboxConfig(seed=1, base_clock=FrozenClock(), rate_limit_per_s=0))
    transport = ObservedTransport(httpx.ASGITransport(app=sandbox), hh_observer(metrics))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers=UA
    ) as http:
        state = (await http.get("/_sandbox/state")).json()
        manager = state["employers"][0]["managers"][0]["id"]
        issued = await http.post("/_sandbox/tokens", json={"manager_id": manager})
        token = issued.json()["access_token"]
        me = await http.get("/me", headers={"Authorization": f"Bearer {token}"})
        refused = await http.get("/me")  # no token: hh.ru answers 403
    assert (me.status_code, refused.status_code) == (200, 403)
    closed = ObservedTransport(pooled_transport(1), hh_observer(metrics))
    async with httpx.AsyncClient(transport=closed) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{free_port()}/me")

    assert sample(metrics, "hh_requests", status_code="200") == 2  # state and /me
    assert sample(metrics, "hh_requests", status_code="201") == 1  # the token
    assert sample(metrics, "hh_requests", status_code="403") == 1
    assert sample(metrics, "hh_requests", status_code="none") == 1
    assert sample(metrics, "hh_errors", status_code="403") == 1
    assert sample(metrics, "hh_errors", status_code="none") == 1
    assert sample(metrics, "hh_errors", status_code="200") == 0


async def test_bitrix_answers_by_status_and_errors_by_the_portals_code() -> None:
    metrics = Metrics()
    clock = FrozenClock()

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    sandbox = create_bitrix(BitrixSandboxConfig(seed=7, base_clock=clock, demo_portals=()))
    transport = ObservedTransport(httpx.ASGITransport(app=sandbox), bitrix_observer(metrics))
    async with make_http_client(transport=transport) as http:
        installed = (
            await http.post("http://b24.sandbox/_sandbox/portals", json={"domain": "hr.test"})
        ).json()
        portal = f"http://b24.sandbox/_sandbox/portals/{installed['domain']}"
        client = portal_client(
            http,
            PortalTokens(
                SecretStr(installed["access_token"]),
                SecretStr(installed["refresh_token"]),
                installed["client_endpoint"],
                installed["member_id"],
            ),
            OAuthApp(
                installed["client_id"],
                SecretStr(BitrixSandboxConfig.client_secret),
                installed["token_url"],
            ),
            persist=_keep,
            # Laxer than the portal's plan (2/s, 50), so the portal itself refuses the 51st call.
            limiter=PortalLimiter(BitrixLimits(requests_per_s=100, burst=1000), clock, sleep),
            retry=RetryPolicy(sleep=sleep),
            on_error=bitrix_error_observer(metrics),
        )
        for _ in range(51):
            await client.user_current()
        assert sample(metrics, "bitrix_errors", code="QUERY_LIMIT_EXCEEDED") == 1

        clock.advance(3700)  # past the access token's hour: refreshed, then resent
        await client.user_current()
        assert sample(metrics, "bitrix_errors", code="expired_token") == 1

        await http.post(f"{portal}/required", json={"entity": "lead", "field": "POST"})
        result = await client.batch(
            {
                "a": Command("crm.lead.add", {"fields": {"TITLE": "one"}}),
                "b": Command("crm.lead.add", {"fields": {"TITLE": "two"}}),
            }
        )
        assert all(isinstance(f.error, RecordRejected) for f in result.errors().values())
        # Legacy CRM methods send "error": "": the count goes under hhsync's class for it.
        assert sample(metrics, "bitrix_errors", code="RecordRejected") == 2

    assert sample(metrics, "bitrix_requests", status_code="503") == 1
    assert sample(metrics, "bitrix_requests", status_code="401") == 1
    assert sample(metrics, "bitrix_requests", status_code="200") >= 52
    closed = ObservedTransport(pooled_transport(1), bitrix_observer(metrics))
    async with make_http_client(transport=closed) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(f"http://127.0.0.1:{free_port()}/rest/profile.json")
    assert sample(metrics, "bitrix_requests", status_code="none") == 1
    assert sample(metrics, "bitrix_errors", code="none") == 1
    text = metrics.render().decode()
    assert re.search(r'hhsync_bitrix_errors_total\{code="QUERY_LIMIT_EXCEEDED"\} 1\.0', text)


async def _keep(_: PortalTokens) -> None:
    """Token persistence is not what these tests look at."""


async def test_hh_budget_reports_only_the_requests_that_waited_for_the_rate() -> None:
    clock = FrozenClock()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    budget = RequestBudget(10, clock=clock, sleep=sleep, on_wait=waits.append)
    await budget.acquire("a")  # a token was there: no wait
    assert waits == []
    await budget.acquire("a")  # the bucket is dry: a tenth of a second
    assert waits == [pytest.approx(0.1)]
    budget.hold(2.0)  # hh.ru answered 429
    await budget.acquire("b")
    assert waits[1] == pytest.approx(2.1)  # the hold, then a token from the empty bucket


async def test_bitrix_limiter_reports_waits_for_its_bucket() -> None:
    clock = FrozenClock()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    limiter = PortalLimiter(
        BitrixLimits(requests_per_s=2, burst=2, headroom=0), clock, sleep, on_wait=waits.append
    )
    for _ in range(3):
        async with limiter.slot(["user.current"]):
            pass
    assert waits == [pytest.approx(0.5)]
