"""Leaky bucket (QUERY_LIMIT_EXCEEDED 503) and operating time (OPERATION_TIME_LIMIT 429)."""

from __future__ import annotations

import httpx
import pytest
from b24_sandbox_testkit import PortalHandle, example

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.sandbox.bitrix.limits import LeakyBucket, OperatingBudget, RatePlan


def test_bucket_passes_a_full_burst_then_refuses() -> None:
    bucket = LeakyBucket(RatePlan(2.0, 50.0))
    assert all(bucket.try_take(0.0, count_rejected=False) for _ in range(50))
    assert not bucket.try_take(0.0, count_rejected=False)
    assert bucket.try_take(0.5, count_rejected=False)  # 0.5 s drains one request at 2/s
    assert not bucket.try_take(0.5, count_rejected=False)


def test_refused_requests_keep_the_bucket_full_when_counted() -> None:
    counted = LeakyBucket(RatePlan(2.0, 5.0))
    for _ in range(5):
        counted.try_take(0.0, count_rejected=True)
    assert not counted.try_take(0.0, count_rejected=True)
    # one refused request pushed the level above the brim: half a second is not enough now
    assert not counted.try_take(0.5, count_rejected=True)
    assert counted.try_take(2.0, count_rejected=True)


def test_sustained_rate_at_the_drain_never_trips() -> None:
    bucket = LeakyBucket(RatePlan.named("standard"))
    assert all(bucket.try_take(i * 0.5, count_rejected=True) for i in range(1000))


def test_operating_budget_blocks_the_call_after_the_one_that_crosses() -> None:
    budget = OperatingBudget(limit_s=10.0)
    for second in range(4):
        assert not budget.is_blocked("crm.lead.add", float(second))
        budget.charge("crm.lead.add", float(second), 3.0)
    assert budget.is_blocked("crm.lead.add", 4.0)  # 12 s used: the 4th call crossed, 5th waits
    assert not budget.is_blocked("crm.lead.get", 4.0)
    assert budget.reset_at("crm.lead.add", 4.0) == 600
    assert not budget.is_blocked("crm.lead.add", 600.0)


def test_enterprise_plan_is_five_per_second_and_250() -> None:
    assert RatePlan.named("enterprise") == RatePlan(5.0, 250.0)
    with pytest.raises(ValueError, match="unknown plan"):
        RatePlan.named("gold")


async def test_51st_request_in_a_burst_gets_503_and_does_nothing(portal: PortalHandle) -> None:
    for index in range(50):
        response = await portal.call("crm.lead.add", {"fields": {"TITLE": f"L{index}"}})
        assert response.status_code == 200, index
    refused = await portal.call("crm.lead.add", {"fields": {"TITLE": "too many"}})
    assert (refused.status_code, refused.json()) == (
        503,
        example("error.QUERY_LIMIT_EXCEEDED.http503.json"),
    )
    assert len(portal.sandbox.portals[portal.domain].entities["lead"]) == 50
    portal.clock.advance(1.0)  # two requests drain at 2/s (the refused one counted too)
    assert (await portal.call("crm.lead.add", {"fields": {"TITLE": "later"}})).status_code == 200


async def test_a_batch_counts_as_one_request(portal: PortalHandle) -> None:
    for _ in range(49):
        assert (await portal.call("profile")).status_code == 200
    commands = {f"c{i}": "crm.lead.add?fields[TITLE]=x" for i in range(50)}
    batch = await portal.call("batch", {"cmd": commands})
    assert batch.status_code == 200
    assert len(batch.json()["result"]["result"]) == 50
    assert (await portal.call("profile")).status_code == 503


async def test_buckets_are_per_portal(portal: PortalHandle) -> None:
    other = (await portal.client.post("/_sandbox/portals", json={"domain": "b.bitrix24.ru"})).json()
    for _ in range(50):
        await portal.call("profile")
    assert (await portal.call("profile")).status_code == 503
    response = await portal.client.post(
        f"{other['client_endpoint']}profile.json", json={"auth": other["access_token"]}
    )
    assert response.status_code == 200


async def test_admin_sets_the_enterprise_plan(portal: PortalHandle) -> None:
    await portal.admin("/plan", {"plan": "enterprise"})
    for _ in range(250):
        assert (await portal.call("profile")).status_code == 200
    assert (await portal.call("profile")).status_code == 503


async def test_operating_time_limit_blocks_one_method_only(portal: PortalHandle) -> None:
    await portal.admin("/plan", {"operating_limit_s": 2.0, "method_costs": {"crm.lead.add": 1.0}})
    first = await portal.call("crm.lead.add", {"fields": {"TITLE": "a"}})
    assert first.json()["time"]["operating"] == 1.0
    reset_at = first.json()["time"]["operating_reset_at"]
    assert (await portal.call("crm.lead.add", {"fields": {"TITLE": "b"}})).status_code == 200
    blocked = await portal.call("crm.lead.add", {"fields": {"TITLE": "c"}})
    assert (blocked.status_code, blocked.json()["error"]) == (429, "OPERATION_TIME_LIMIT")
    assert len(portal.sandbox.portals[portal.domain].entities["lead"]) == 2
    assert (await portal.call("crm.lead.list")).status_code == 200
    # inside a batch the method is blocked per command, the batch itself still answers 200
    batch = await portal.call(
        "batch", {"cmd": {"a": "crm.lead.add?fields[TITLE]=d", "b": "crm.lead.list"}}
    )
    assert batch.status_code == 200
    assert batch.json()["result"]["result_error"]["a"]["error"] == "OPERATION_TIME_LIMIT"
    assert "b" in batch.json()["result"]["result"]
    portal.clock.advance(reset_at - portal.sandbox.now_s())
    assert (await portal.call("crm.lead.add", {"fields": {"TITLE": "e"}})).status_code == 200


async def test_time_scale_speeds_up_drain_and_expiry() -> None:
    wall = FrozenClock()
    app = create_app(BitrixSandboxConfig(speed=20.0, base_clock=wall, demo_portals=()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sb") as client:
        info = (await client.post("/_sandbox/portals", json={"domain": "s.bitrix24.ru"})).json()
        url, auth = f"{info['client_endpoint']}profile", {"auth": info["access_token"]}
        for _ in range(50):
            await client.post(url, json=auth)
        assert (await client.post(url, json=auth)).status_code == 503
        wall.advance(0.05)  # 0.05 wall seconds = 1 sandbox second = 2 requests drained
        assert (await client.post(url, json=auth)).status_code == 200
        wall.advance(3600 / 20)  # a sandbox hour in 180 wall seconds: the token expired
        expired = await client.post(url, json=auth)
        assert expired.json()["error"] == "expired_token"
