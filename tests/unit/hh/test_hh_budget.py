"""The hh.ru request budget: token-bucket maths on a frozen clock, priority and fairness."""

from __future__ import annotations

import asyncio

import pytest

from hhsync.clock import FrozenClock
from hhsync.hh.budget import FairQueue, Priority, RequestBudget, TokenBucket


def test_bucket_starts_full_and_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate_per_s=10, burst=2, now_s=0.0)
    assert bucket.try_take(0.0)
    assert bucket.try_take(0.0)
    assert not bucket.try_take(0.0)
    assert bucket.seconds_until_token(0.0) == pytest.approx(0.1)
    assert not bucket.try_take(0.05)
    assert bucket.try_take(0.1)


def test_bucket_never_saves_more_than_its_burst() -> None:
    bucket = TokenBucket(rate_per_s=10, burst=3, now_s=0.0)
    taken = sum(bucket.try_take(3600.0) for _ in range(10))
    assert taken == 3


def test_hold_pauses_everything_then_refills_from_empty() -> None:
    bucket = TokenBucket(rate_per_s=10, burst=5, now_s=0.0)
    bucket.hold(0.0, 2.0)
    assert bucket.seconds_until_token(0.0) == pytest.approx(2.0)
    assert not bucket.try_take(1.99)
    assert bucket.seconds_until_token(2.0) == pytest.approx(0.1)
    assert bucket.try_take(2.1)


def test_tiny_float_errors_never_make_a_zero_wait_loop() -> None:
    bucket = TokenBucket(rate_per_s=1000, burst=1, now_s=1_209_601.0)
    now = 1_209_601.0
    for _ in range(1000):
        wait = bucket.seconds_until_token(now)
        if wait == 0:
            assert bucket.try_take(now)
        else:
            assert wait >= 1e-6
            now += wait
    assert now - 1_209_601.0 == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (10, 0.5)])
def test_bucket_rejects_nonsense_limits(rate: float, burst: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucket(rate_per_s=rate, burst=burst, now_s=0.0)


def test_queue_serves_incremental_first_then_round_robin_across_accounts() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(3):
        queue.push("big-import", Priority.BACKFILL, f"import-{n}")
    queue.push("a", Priority.INCREMENTAL, "a-0")
    queue.push("a", Priority.INCREMENTAL, "a-1")
    queue.push("a", Priority.INCREMENTAL, "a-2")
    queue.push("b", Priority.INCREMENTAL, "b-0")
    queue.push("small-import", Priority.BACKFILL, "small-0")
    assert len(queue) == 8

    order = [queue.pop() for _ in range(8)]

    assert order == ["a-0", "b-0", "a-1", "a-2", "import-0", "small-0", "import-1", "import-2"]
    assert queue.pop() is None


class VirtualTime:
    """A frozen clock whose sleeps move it: budgets wait without real time passing."""

    def __init__(self) -> None:
        self.clock = FrozenClock()
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # as a real sleep does, let woken waiters run first
        self.slept.append(seconds)
        self.clock.advance(seconds)


async def test_acquire_spaces_requests_at_the_rate() -> None:
    time = VirtualTime()
    budget = RequestBudget(10, clock=time.clock, sleep=time.sleep)
    granted_at: list[float] = []

    async def one() -> None:
        await budget.acquire("a")
        granted_at.append(time.clock.monotonic())

    await asyncio.gather(*(one() for _ in range(5)))

    assert granted_at == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


async def test_acquire_serves_incremental_before_backfill_and_accounts_fairly() -> None:
    time = VirtualTime()
    budget = RequestBudget(10, clock=time.clock, sleep=time.sleep)
    order: list[str] = []

    async def one(key: str, priority: Priority, label: str) -> None:
        await budget.acquire(key, priority)
        order.append(label)

    await asyncio.gather(
        *(one("import", Priority.BACKFILL, f"import-{n}") for n in range(4)),
        *(one("a", Priority.INCREMENTAL, f"a-{n}") for n in range(3)),
        one("b", Priority.INCREMENTAL, "b-0"),
    )

    # import-0 found the bucket full and went at once; then incremental work, accounts in turn.
    assert order == ["import-0", "a-0", "b-0", "a-1", "a-2", "import-1", "import-2", "import-3"]
    assert time.clock.monotonic() == pytest.approx(0.7)


async def test_the_login_popup_goes_ahead_of_every_pass() -> None:
    time = VirtualTime()
    budget = RequestBudget(10, clock=time.clock, sleep=time.sleep)
    order: list[str] = []

    async def one(key: str, priority: Priority, label: str) -> None:
        await budget.acquire(key, priority)
        order.append(label)

    await asyncio.gather(
        *(one("pass", Priority.INCREMENTAL, f"pass-{n}") for n in range(3)),
        one("login", Priority.INTERACTIVE, "login"),
    )

    # pass-0 found the bucket full; the login, queued last, is served before the other two.
    assert order == ["pass-0", "login", "pass-1", "pass-2"]


async def test_hold_delays_every_account() -> None:
    time = VirtualTime()
    budget = RequestBudget(10, clock=time.clock, sleep=time.sleep)
    await budget.acquire("a")
    budget.hold(5.0)

    await budget.acquire("b")

    assert time.clock.monotonic() == pytest.approx(5.1)


async def test_cancelled_waiter_gives_its_turn_away() -> None:
    time = VirtualTime()
    budget = RequestBudget(10, clock=time.clock, sleep=time.sleep)
    await budget.acquire("a")
    doomed = asyncio.create_task(budget.acquire("a"))
    await asyncio.sleep(0)  # let it queue
    doomed.cancel()

    await budget.acquire("b")

    assert doomed.cancelled()
    assert time.clock.monotonic() == pytest.approx(0.1)  # b took the first free token
