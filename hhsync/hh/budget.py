"""The process-wide hh.ru request budget: one token bucket, shared fairly, incremental work first.

hh.ru limits requests per client IP (about 10/s, answered with 429 beyond; hhru/api #74), so every
account in the process draws from one bucket. Waiting requests are served by priority
(incremental passes before back-fills, ARCHITECTURE.md "Limits") and, within a priority, round-robin
across account keys so that one account's 10,000-response import cannot starve the others.

The maths (:class:`TokenBucket`, :class:`FairQueue`) is pure and takes ``now``; only
:class:`RequestBudget` waits, through an injected clock and sleep function.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, TypeVar

from hhsync.clock import Clock, SystemClock

DEFAULT_REQUESTS_PER_S = 10.0
# Float slack: refills computed from a large monotonic clock are off by ~1e-10.
_TOLERANCE_S = 1e-6
_TOLERANCE_TOKENS = 1e-6


class Priority(IntEnum):
    """Who is served first when requests wait: lower values first."""

    INTERACTIVE = -1  # a person waits for it (the hh.ru login popup): ahead of every pass
    INCREMENTAL = 0  # new responses of a regular pass: the latency goal depends on them
    BACKFILL = 1  # resumes and PDFs of a big backlog (hhsync.sync.backfill): behind the rest


class TokenBucket:
    """Token bucket maths: ``rate_per_s`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate_per_s: float, burst: float, now_s: float) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1 (one request)")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._tokens = burst
        self._at_s = now_s
        self._held_until_s = now_s

    def _refill(self, now_s: float) -> None:
        start = max(self._at_s, self._held_until_s)
        if now_s > start:
            self._tokens = min(self.burst, self._tokens + (now_s - start) * self.rate_per_s)
        self._at_s = max(self._at_s, now_s)

    def seconds_until_token(self, now_s: float) -> float:
        """How long until one token is there (0 when one is there now)."""
        self._refill(now_s)
        hold_s = self._held_until_s - now_s
        if hold_s > _TOLERANCE_S:
            return hold_s
        missing = 1.0 - self._tokens
        if missing <= _TOLERANCE_TOKENS:
            return 0.0
        # Never a wait too small to move a float clock: that would spin instead of waiting.
        return max(missing / self.rate_per_s, _TOLERANCE_S)

    def try_take(self, now_s: float) -> bool:
        """Take one token if there is one now."""
        if self.seconds_until_token(now_s) > 0:
            return False
        self._tokens -= 1
        return True

    def hold(self, now_s: float, seconds: float) -> None:
        """Give out nothing for ``seconds`` (after a 429) and start again from an empty bucket."""
        self._refill(now_s)
        self._tokens = min(self._tokens, 0.0)
        self._held_until_s = max(self._held_until_s, now_s + max(seconds, 0.0))


_Waiter = TypeVar("_Waiter")


class FairQueue(Generic[_Waiter]):
    """Waiters by priority, then round-robin across keys, first-come within one key."""

    def __init__(self) -> None:
        self._by_priority: dict[Priority, OrderedDict[str, deque[_Waiter]]] = {
            priority: OrderedDict() for priority in Priority
        }

    def push(self, key: str, priority: Priority, waiter: _Waiter) -> None:
        """Queue ``waiter`` for account ``key``."""
        self._by_priority[priority].setdefault(key, deque()).append(waiter)

    def pop(self) -> _Waiter | None:
        """The next waiter to serve, or ``None`` if nobody waits."""
        for priority in sorted(Priority):
            keys = self._by_priority[priority]
            if not keys:
                continue
            key, waiters = next(iter(keys.items()))
            waiter = waiters.popleft()
            if waiters:
                keys.move_to_end(key)  # the next waiter of this key goes behind the other keys
            else:
                del keys[key]
            return waiter
        return None

    def __len__(self) -> int:
        return sum(len(w) for keys in self._by_priority.values() for w in keys.values())

    def waiting(self) -> dict[Priority, int]:
        """Waiters queued at each priority (cancelled ones too, until they are popped)."""
        return {
            priority: sum(len(w) for w in keys.values())
            for priority, keys in self._by_priority.items()
        }


@dataclass(frozen=True)
class Grant:
    """One request let through: whose, at which priority, and who still waited behind it."""

    key: str
    priority: Priority
    waiting: Mapping[Priority, int]
    """Requests still queued at each priority when this one went (empty: nobody waited)."""


@dataclass(frozen=True)
class _Ticket:
    key: str
    priority: Priority
    future: asyncio.Future[None]


class RequestBudget:
    """Async gate in front of every hh.ru request of the process (one instance per process)."""

    def __init__(
        self,
        requests_per_s: float = DEFAULT_REQUESTS_PER_S,
        *,
        burst: float = 1.0,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_wait: Callable[[float], None] | None = None,
        on_grant: Callable[[Grant], None] | None = None,
    ) -> None:
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._bucket = TokenBucket(requests_per_s, burst, self._clock.monotonic())
        self._queue: FairQueue[_Ticket] = FairQueue()
        self._dispatcher: asyncio.Task[None] | None = None
        self._sleeps = 0  # times the dispatcher slept for a token (or a 429 hold)
        self.on_wait = on_wait
        """Told the seconds a request waited, whenever it had to wait for the rate (metrics)."""
        self.on_grant = on_grant
        """Told every request let through, in the order they go (the served-order record)."""

    async def acquire(self, key: str, priority: Priority = Priority.INCREMENTAL) -> None:
        """Wait until this account may send one request to hh.ru."""
        if self._dispatcher is None and self._bucket.try_take(self._clock.monotonic()):
            if self.on_grant is not None:
                self.on_grant(Grant(key, priority, {}))
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.push(key, priority, _Ticket(key, priority, waiter))
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="hh-request-budget")
        queued_at, sleeps_before = self._clock.monotonic(), self._sleeps
        await waiter  # a cancelled waiter is skipped by the dispatcher
        # Queued behind others without the bucket running dry is not a wait for the rate limit.
        if self.on_wait is not None and self._sleeps != sleeps_before:
            self.on_wait(self._clock.monotonic() - queued_at)

    def hold(self, seconds: float) -> None:
        """Stop all hh.ru requests of the process for ``seconds`` (hh.ru answered 429)."""
        self._bucket.hold(self._clock.monotonic(), seconds)

    async def _dispatch(self) -> None:
        try:
            while len(self._queue):
                wait_s = self._bucket.seconds_until_token(self._clock.monotonic())
                if wait_s > 0:
                    self._sleeps += 1
                    await self._sleep(wait_s)
                    continue
                ticket = self._next_live_waiter()
                if ticket is None:
                    return
                self._bucket.try_take(self._clock.monotonic())
                ticket.future.set_result(None)
                if self.on_grant is not None:
                    self.on_grant(Grant(ticket.key, ticket.priority, self._queue.waiting()))
        finally:
            self._dispatcher = None

    def _next_live_waiter(self) -> _Ticket | None:
        while (ticket := self._queue.pop()) is not None:
            if not ticket.future.done():
                return ticket
        return None
