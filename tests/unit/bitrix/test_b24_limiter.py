"""Rate-limiter maths against a model of the portal's documented bucket, on frozen time."""

from __future__ import annotations

import asyncio

import pytest

from hhsync.bitrix.limiter import (
    BitrixLimits,
    LeakyBucket,
    LimiterRegistry,
    OperatingBudget,
    OperatingPaused,
    PortalLimiter,
    operating_from_time,
)
from hhsync.clock import FrozenClock


class PortalBucket:
    """The portal's side per limits.md: +1 per request, drains at rate, refuses over X."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.level, self.at = 0.0, 0.0

    def request(self, now: float) -> bool:
        self.level = max(0.0, self.level - (now - self.at) * self.rate)
        self.at = now
        if self.level + 1 > self.capacity:
            self.level += 1  # a refused request still counts (not documented; the stricter reading)
            return False
        self.level += 1
        return True


def test_usable_burst_keeps_headroom() -> None:
    assert BitrixLimits().usable_burst == 45
    assert BitrixLimits(requests_per_s=5, burst=250).usable_burst == 225
    assert BitrixLimits(burst=1).usable_burst == 1
    with pytest.raises(ValueError, match="headroom"):
        BitrixLimits(headroom=1.0)


def test_bucket_lets_a_burst_through_then_spaces_requests_at_the_rate() -> None:
    bucket = LeakyBucket(2.0, 45)
    waits = [bucket.reserve(0.0) for _ in range(47)]
    assert waits[:45] == [0.0] * 45
    assert waits[45:] == [pytest.approx(0.5), pytest.approx(1.0)]
    assert bucket.level(0.0) == pytest.approx(47)
    assert bucket.delay(10.0) == 0.0


def test_bucket_drains_while_idle() -> None:
    bucket = LeakyBucket(2.0, 45)
    for _ in range(45):
        bucket.reserve(0.0)
    assert bucket.level(10.0) == pytest.approx(25)
    assert bucket.reserve(10.0) == 0.0


def test_fill_after_a_503_makes_the_next_request_wait() -> None:
    bucket = LeakyBucket(2.0, 45)
    bucket.fill(100.0)
    assert bucket.level(100.0) == pytest.approx(45)
    assert bucket.reserve(100.0) == pytest.approx(0.5)
    bucket.fill(200.0, extra_requests=5)
    assert bucket.reserve(200.0) == pytest.approx(3.0)


def test_recovery_from_a_503_when_the_portal_bucket_is_smaller_than_we_think() -> None:
    # We believe in 50/2 s; the portal is stricter (5) and counts refused requests (not documented).
    clock = FrozenClock()
    limiter = PortalLimiter(BitrixLimits(), clock)
    theirs = PortalBucket(2.0, 5)
    refused = 0
    for _ in range(60):
        clock.advance(limiter.bucket.reserve(clock.monotonic()))
        while not theirs.request(clock.monotonic()):
            refused += 1
            limiter.query_limit_exceeded()
            clock.advance(limiter.bucket.reserve(clock.monotonic()))
    assert refused == 1  # one refusal, then the limiter keeps below the real threshold


def test_schedule_of_1000_requests_never_overflows_the_portal_bucket() -> None:
    limits = BitrixLimits()
    ours = LeakyBucket(limits.requests_per_s, limits.usable_burst)
    theirs = PortalBucket(limits.requests_per_s, limits.burst)
    now = 0.0
    refused = 0
    for _ in range(1000):
        now += ours.reserve(now)
        refused += not theirs.request(now)
    assert refused == 0
    # 45 at once, then 955 at 2/s: the schedule uses the whole allowance, no more.
    assert now == pytest.approx(955 / 2.0)


def test_operating_budget_pauses_a_method_until_its_oldest_minute_drops_out() -> None:
    budget = OperatingBudget(usable_s=432.0)
    budget.record("crm.lead.add", 100.0, 300.0, now=0.0)
    assert budget.delay("crm.lead.add", 1.0) == 0.0
    budget.record("crm.lead.add", 440.0, 120.0, now=10.0)
    assert budget.delay("crm.lead.add", 10.0) == pytest.approx(120.0)
    assert budget.delay("crm.lead.list", 10.0) == 0.0  # other methods go on
    assert budget.delay("crm.lead.add", 131.0) == 0.0


def test_operating_limit_blocks_until_reset_or_a_default() -> None:
    budget = OperatingBudget(usable_s=432.0)
    assert budget.block("crm.deal.add", now=0.0, retry_after_s=None) == pytest.approx(60.0)
    budget.record("crm.lead.add", 400.0, 30.0, now=0.0)
    assert budget.block("crm.lead.add", now=0.0) == pytest.approx(30.0)
    assert budget.delay("crm.lead.add", 29.0) == pytest.approx(1.0)


def test_operating_from_time_uses_the_portals_own_clock() -> None:
    block = {"finish": 1705764937.17, "operating_reset_at": 1705765533, "operating": 3.3}
    operating, reset_in = operating_from_time(block) or (0.0, None)
    assert operating == pytest.approx(3.3)
    assert reset_in == pytest.approx(595.83)
    assert operating_from_time({"start": 1.0}) is None
    assert operating_from_time(None) is None
    assert operating_from_time({"operating": 0}) == (0.0, None)


async def test_async_acquire_waits_on_the_shared_clock() -> None:
    clock = FrozenClock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    limiter = PortalLimiter(BitrixLimits(requests_per_s=2, burst=10, headroom=0.0), clock, sleep)
    await asyncio.gather(*(limiter.acquire(["user.current"]) for _ in range(12)))
    assert limiter.requests_sent == 12
    # 10 go at once; the 11th and 12th were due at 0.5 s and 1.0 s.
    assert len(slept) == 2
    assert clock.monotonic() == pytest.approx(1.0)
    limiter.observe("crm.lead.add", {"operating": 1000.0, "operating_reset_at": 70, "finish": 10})
    before = clock.monotonic()
    await limiter.acquire(["crm.lead.add"])
    assert clock.monotonic() - before >= 60.0


def test_registry_shares_one_limiter_per_portal() -> None:
    registry = LimiterRegistry()
    first = registry.for_portal("member-a")
    assert registry.for_portal("member-a") is first
    assert registry.for_portal("member-b") is not first
    enterprise = BitrixLimits(requests_per_s=5, burst=250)
    assert registry.for_portal("member-a", enterprise).limits == enterprise


async def test_requests_in_flight_are_capped_at_the_headroom() -> None:
    clock = FrozenClock()

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    limiter = PortalLimiter(BitrixLimits(), clock, sleep)
    assert limiter.limits.in_flight == 5
    inside = 0
    most = 0

    async def request() -> None:
        nonlocal inside, most
        async with limiter.slot(["user.current"]):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0)  # yield while "on the wire"
            inside -= 1

    await asyncio.gather(*(request() for _ in range(20)))
    assert most == 5
    assert BitrixLimits(max_in_flight=2).in_flight == 2
    with pytest.raises(ValueError, match="max_in_flight"):
        BitrixLimits(max_in_flight=0)


async def test_a_method_paused_for_operating_time_does_not_hold_an_in_flight_place() -> None:
    clock = FrozenClock()
    resume = asyncio.Event()

    async def sleep(seconds: float) -> None:
        await resume.wait()
        clock.advance(seconds)

    limiter = PortalLimiter(BitrixLimits(max_in_flight=1), clock, sleep)
    limiter.operation_time_limit("crm.lead.add", retry_after_s=100.0)
    order: list[str] = []

    async def call(method: str) -> None:
        async with limiter.slot([method]):
            order.append(method)

    paused = asyncio.create_task(call("crm.lead.add"))
    await asyncio.sleep(0)
    await call("user.current")  # the only in-flight place is free: no waiting behind the add
    assert order == ["user.current"]
    resume.set()
    await paused
    assert order == ["user.current", "crm.lead.add"]
    assert clock.monotonic() >= 100.0


async def test_a_long_operating_pause_is_not_waited_for_by_a_write_that_must_go_soon() -> None:
    """limits.md: a method's budget may be spent (by hhsync or other callers) for minutes; a
    write batch with a send window is refused unsent rather than held past it."""
    clock = FrozenClock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    limiter = PortalLimiter(BitrixLimits(), clock, sleep)
    limiter.observe("crm.lead.add", {"operating": 470.0, "operating_reset_at": 600, "finish": 10})
    assert limiter.operating_hold(["crm.contact.add", "crm.lead.add"]) == ("crm.lead.add", 590)
    await limiter.ready(["crm.lead.add"], max_operating_wait_s=30.0)
    assert slept == []  # too long a pause to wait out before marking the batch
    with pytest.raises(OperatingPaused) as paused:
        async with limiter.slot(["crm.lead.add"], until=clock.monotonic() + 2.0):
            pytest.fail("sent while paused")
    assert (paused.value.method, paused.value.wait_s) == ("crm.lead.add", 590)
    async with limiter.slot(["crm.contact.add"], until=clock.monotonic() + 2.0):
        pass  # another method goes on
    await limiter.ready(["crm.lead.add"])  # without a bound: waits until the reset
    assert slept == [590]
    assert limiter.operating_hold(["crm.lead.add"]) is None


async def test_a_pause_learned_while_waiting_for_an_in_flight_place_is_kept() -> None:
    """An answer to a request in flight may report the budget spent; a request that was waiting
    for an in-flight place then waits for the pause too, not sending into the block."""
    clock = FrozenClock()

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    limiter = PortalLimiter(BitrixLimits(max_in_flight=1), clock, sleep)
    sent_at: list[float] = []

    async def first() -> None:
        async with limiter.slot(["crm.lead.add"]):
            await asyncio.sleep(0)
            limiter.observe(
                "crm.lead.add", {"operating": 479.0, "operating_reset_at": 100, "finish": 0}
            )
            sent_at.append(clock.monotonic())

    async def second() -> None:
        async with limiter.slot(["crm.lead.add"]):
            sent_at.append(clock.monotonic())

    await asyncio.gather(first(), second())
    assert sent_at[1] >= sent_at[0] + 100
