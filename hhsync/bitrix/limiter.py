"""Per-portal rate limiting that mirrors Bitrix24's own limits, so hhsync almost never trips them.

Two limits apply to every portal (Bitrix24 REST docs, limits.md):

* a leaky bucket per portal and client IP: each HTTP request (a ``batch`` too) adds 1, the bucket
  drains ``requests_per_s`` (2, or 5 on Enterprise) and a request arriving over ``burst`` (50/250)
  gets HTTP 503 QUERY_LIMIT_EXCEEDED;
* an operating-time budget per method: the seconds a method ran in the last 10 minutes, reported in
  every answer as ``time.operating`` with ``time.operating_reset_at``; past the budget (480 s) the
  next call of that method gets HTTP 429 OPERATION_TIME_LIMIT.

:class:`LeakyBucket` and :class:`OperatingBudget` are pure: they take ``now`` and return how long to
wait. :class:`PortalLimiter` adds the async ``acquire`` and is shared, through
:class:`LimiterRegistry`, by every task of one portal in the process.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from hhsync.bitrix.batch_time import REQUEST_CUTOFF_S, MethodTimes, seconds_from_time
from hhsync.clock import Clock, SystemClock
from hhsync.errors import Retriable

Sleep = Callable[[float], Awaitable[None]]

OPERATING_WAIT_IN_PASS_S = 30.0
"""The longest operating-time pause a write batch waits out in the pass. A longer one (a method
whose budget hhsync or other callers spent, limits.md: up to ten minutes until the oldest minute
drops out) leaves the batch's responses failed until the pause ends, so the pass goes on with the
portal's other methods. Shorter than the 60 s a refusal without ``operating_reset_at`` pauses a
method for, so a method the portal refuses is tried again in a later pass, never in a loop."""


@dataclass(frozen=True)
class BitrixLimits:
    """The limits of one portal's plan, and how much headroom hhsync keeps below them."""

    requests_per_s: float = 2.0
    """Bucket drain rate (2 on ordinary plans, 5 on Enterprise)."""
    burst: int = 50
    """Bucket size (50 on ordinary plans, 250 on Enterprise)."""
    operating_budget_s: float = 480.0
    """Seconds of method time allowed per window (the documented cloud example)."""
    headroom: float = 0.1
    """Fraction of the burst and of the operating budget left unused, for clock jitter and for
    requests other processes (a restart) may have left in the portal's bucket."""
    max_in_flight: int | None = None
    """Requests to the portal at once; None: the burst headroom (5 of 50). Requests delayed on
    the way arrive bunched with later ones, which can lift the portal's bucket above ours by at
    most the number in flight, so capping it at the headroom keeps that bunching harmless."""

    def __post_init__(self) -> None:
        if self.requests_per_s <= 0 or self.burst < 1 or self.operating_budget_s <= 0:
            raise ValueError("rate, burst and operating budget must be positive")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if not 0 <= self.headroom < 1:
            raise ValueError("headroom must be in [0, 1)")

    @property
    def usable_burst(self) -> int:
        """The burst hhsync allows itself (45 of 50 with 10 % headroom)."""
        return max(1, math.floor(self.burst * (1 - self.headroom)))

    @property
    def in_flight(self) -> int:
        """The cap on concurrent requests to the portal."""
        return self.max_in_flight or max(1, self.burst - self.usable_burst)

    @property
    def usable_operating_s(self) -> float:
        """The operating seconds per method hhsync spends before pausing that method."""
        return self.operating_budget_s * (1 - self.headroom)


class LeakyBucket:
    """Pure leaky bucket as a meter (GCRA): ``reserve(now)`` says how long the caller must wait.

    The state is one number, the theoretical arrival time: when the bucket would be empty again if
    no one else came. Reservations are immediate, so concurrent callers queue in arrival order.
    """

    def __init__(self, requests_per_s: float, burst: int) -> None:
        self._interval_s = 1.0 / requests_per_s
        self._burst = burst
        self._tolerance_s = (burst - 1) * self._interval_s
        self._tat = -math.inf

    def level(self, now: float) -> float:
        """How many requests the bucket holds at ``now`` (reservations not yet sent included)."""
        return max(0.0, (self._tat - now) / self._interval_s)

    def delay(self, now: float) -> float:
        """Seconds until one more request fits, without reserving it."""
        return max(0.0, max(self._tat, now) - self._tolerance_s - now)

    def reserve(self, now: float) -> float:
        """Reserve a slot for one request; returns the seconds to wait before sending it."""
        tat = max(self._tat, now)
        wait = max(0.0, tat - self._tolerance_s - now)
        self._tat = tat + self._interval_s
        return wait

    def fill(self, now: float, extra_requests: int = 0) -> None:
        """The portal said QUERY_LIMIT_EXCEEDED: take its bucket to be full right now.

        ``extra_requests`` more are assumed on top, so the portal drains below its threshold
        before the next request: a portal that counts refused requests would otherwise refuse
        every request sent at exactly its drain rate.
        """
        self._tat = max(self._tat, now + (self._burst + extra_requests) * self._interval_s)


@dataclass
class _MethodState:
    operating_s: float = 0.0
    reset_at: float = -math.inf
    blocked_until: float = -math.inf


@dataclass
class OperatingBudget:
    """Pure per-method operating-time watch fed by the ``time`` blocks of answers."""

    usable_s: float
    window_s: float = 600.0
    _methods: dict[str, _MethodState] = field(default_factory=dict)

    def record(self, method: str, operating_s: float, reset_in_s: float | None, now: float) -> None:
        """Remember what the portal reported for ``method`` (``reset_in_s``: until the oldest
        minute drops out, computed from the portal's own clock so that clock skew cancels)."""
        state = self._methods.setdefault(method, _MethodState())
        state.operating_s = operating_s
        state.reset_at = now + (reset_in_s if reset_in_s is not None else self.window_s / 10)

    def block(self, method: str, now: float, retry_after_s: float | None = None) -> float:
        """The portal refused ``method`` (OPERATION_TIME_LIMIT): pause it; returns the pause."""
        state = self._methods.setdefault(method, _MethodState())
        until = state.reset_at if state.reset_at > now else now + (retry_after_s or 60.0)
        state.blocked_until = max(state.blocked_until, until)
        return state.blocked_until - now

    def delay(self, method: str, now: float) -> float:
        """Seconds ``method`` should wait before its next call (0 when within budget)."""
        state = self._methods.get(method)
        if state is None:
            return 0.0
        wait = max(0.0, state.blocked_until - now)
        if state.operating_s >= self.usable_s and state.reset_at > now:
            wait = max(wait, state.reset_at - now)
        return wait

    def operating_s(self, method: str) -> float:
        """The last reported operating seconds of ``method``."""
        state = self._methods.get(method)
        return state.operating_s if state else 0.0


def operating_from_time(time_block: Mapping[str, Any] | None) -> tuple[float, float | None] | None:
    """``(operating_s, reset_in_s)`` from an answer's ``time`` block, None when it has none."""
    if not time_block or "operating" not in time_block:
        return None
    try:
        operating = float(time_block["operating"])
    except (TypeError, ValueError):
        return None
    reset_in: float | None = None
    reset_at = time_block.get("operating_reset_at")
    reference = time_block.get("finish", time_block.get("start"))
    if reset_at is not None and reference is not None:
        try:
            reset_in = max(0.0, float(reset_at) - float(reference))
        except (TypeError, ValueError):
            reset_in = None
    return operating, reset_in


class OperatingPaused(Retriable):
    """A request's method is paused for operating time past the instant it had to go by (the
    client turns it into :class:`~hhsync.bitrix.errors.OperatingTimeHeld`)."""

    def __init__(self, method: str, wait_s: float) -> None:
        super().__init__(f"{method} paused for operating time for {wait_s:.0f} s")
        self.method = method
        self.wait_s = wait_s


WaitObserver = Callable[[float], None]
"""Told how many seconds a request is about to wait for a rate limit."""


class PortalLimiter:
    """The async face of both limits for one portal; one instance per portal per process."""

    def __init__(
        self,
        limits: BitrixLimits | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        on_wait: WaitObserver | None = None,
    ) -> None:
        self.limits = limits or BitrixLimits()
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self.bucket = LeakyBucket(self.limits.requests_per_s, self.limits.usable_burst)
        self.budget = OperatingBudget(self.limits.usable_operating_s)
        self.times = MethodTimes()
        """Learned seconds per call of each method, for sizing batches (:mod:`batch_time`)."""
        self.requests_sent = 0
        self.query_limit_hits = 0
        self._in_flight = asyncio.Semaphore(self.limits.in_flight)
        self.on_wait = on_wait
        """Told the seconds of every wait for the bucket or operating time (metrics)."""

    def now(self) -> float:
        """The limiter's monotonic seconds (scaled with the sandbox's time in benchmarks)."""
        return self._clock.monotonic()

    async def acquire(self, methods: Iterable[str]) -> None:
        """Wait until one more request (for these inner methods) fits both limits, then take it."""
        await self._wait_for_budget(methods)
        await self._take_bucket_slot()

    async def ready(
        self, methods: Iterable[str], *, max_operating_wait_s: float | None = None
    ) -> None:
        """Wait until a request for ``methods`` would go at once, reserving nothing.

        A write batch waits here *before* it is marked in flight, so the time between marking and
        sending stays within the send window even when the portal's limits are tight. A method
        paused for operating time longer than ``max_operating_wait_s`` is not waited for: the
        caller's batch is then refused unsent (:class:`~hhsync.bitrix.errors.OperatingTimeHeld`)
        and retried once the pause is over, instead of holding the pass for minutes.
        """
        wanted = list(methods)
        held = self.operating_hold(wanted)
        if max_operating_wait_s is None or held is None or held[1] <= max_operating_wait_s:
            await self._wait_for_budget(wanted)
        while (wait := self.bucket.delay(self.now())) > 0:
            self._waited(wait)
            await self._sleep(wait)

    @asynccontextmanager
    async def slot(
        self, methods: Iterable[str], *, until: float | None = None
    ) -> AsyncIterator[None]:
        """Hold one of the portal's in-flight places and one bucket slot while a request runs.

        A method paused for operating time waits *before* taking an in-flight place, so it never
        blocks other methods; a pause learned meanwhile (from an answer to a request in flight)
        is waited for too. ``until`` (limiter seconds): a pause that would last past it raises
        :class:`OperatingPaused` instead of being waited for.
        """
        wanted = list(methods)
        while True:
            await self._wait_for_budget(wanted, until)
            await self._in_flight.acquire()
            if self.operating_hold(wanted) is None:
                break
            self._in_flight.release()
        try:
            await self._take_bucket_slot()
            yield
        finally:
            self._in_flight.release()

    def operating_hold(self, methods: Iterable[str]) -> tuple[str, float] | None:
        """The method of ``methods`` paused longest for operating time, and its seconds left;
        None when none is paused."""
        now = self.now()
        held = max(
            ((m, self.budget.delay(m, now)) for m in methods), key=lambda p: p[1], default=None
        )
        return held if held is not None and held[1] > 0 else None

    async def _wait_for_budget(self, methods: Iterable[str], until: float | None = None) -> None:
        wanted = list(methods)
        while (held := self.operating_hold(wanted)) is not None:
            method, wait = held
            if until is not None and self.now() + wait > until:
                raise OperatingPaused(method, wait)
            self._waited(wait)
            await self._sleep(wait)

    async def _take_bucket_slot(self) -> None:
        wait = self.bucket.reserve(self.now())
        if wait > 0:
            self._waited(wait)
            await self._sleep(wait)
        self.requests_sent += 1

    def _waited(self, seconds: float) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds)

    def observe(self, method: str, time_block: Mapping[str, Any] | None) -> None:
        """Book the operating time an answer reported for ``method``, and learn how long its
        calls take."""
        found = operating_from_time(time_block)
        if found is not None:
            self.budget.record(method, found[0], found[1], self.now())
        seconds = seconds_from_time(time_block)
        if seconds is not None:
            self.times.observe(method, seconds)

    def request_timed_out(self, methods: Iterable[str], took_s: float = REQUEST_CUTOFF_S) -> None:
        """A request for ``methods`` ran out of time after ``took_s``: the portal's 60 s cut-off
        (504), or the client's own bound on a write (no answer by then)."""
        self.times.timed_out(list(methods), took_s)

    def query_limit_exceeded(self) -> None:
        """The portal answered QUERY_LIMIT_EXCEEDED: our picture of its bucket was too rosy."""
        self.query_limit_hits += 1
        margin = max(1, self.limits.burst - self.limits.usable_burst)
        self.bucket.fill(self.now(), extra_requests=margin)

    def operation_time_limit(self, method: str, retry_after_s: float | None = None) -> float:
        """The portal refused ``method`` for operating time; returns how long it is paused."""
        return self.budget.block(method, self.now(), retry_after_s)


class LimiterRegistry:
    """One :class:`PortalLimiter` per portal key (``member_id``), shared by the process's tasks."""

    def __init__(
        self,
        default_limits: BitrixLimits | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        on_wait: WaitObserver | None = None,
    ) -> None:
        self._default = default_limits or BitrixLimits()
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._limiters: dict[str, PortalLimiter] = {}
        self.on_wait = on_wait
        """Given to every portal's limiter (see :attr:`PortalLimiter.on_wait`)."""

    def for_portal(self, portal_key: str, limits: BitrixLimits | None = None) -> PortalLimiter:
        """The portal's limiter, created on first use (with ``limits`` or the default plan)."""
        limiter = self._limiters.get(portal_key)
        if limiter is None or (limits is not None and limiter.limits != limits):
            limiter = PortalLimiter(limits or self._default, self._clock, self._sleep, self.on_wait)
            self._limiters[portal_key] = limiter
        return limiter
