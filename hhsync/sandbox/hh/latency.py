"""Round-trip time of hh.ru requests: a delay in sandbox seconds, with jitter, and how many
requests were in flight at once.

A real hh.ru answers in tens to hundreds of milliseconds; with a 10 requests/s limit a client that
sends one request at a time then uses only a fraction of it. The delay makes that visible, and the
in-flight peak lets tests count how many requests a client keeps open without timing anything.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from hhsync.sandbox.timescale import ScaledClock


@dataclass
class Latency:
    """Delays every hh.ru API answer by ``delay_s`` ± ``jitter_s`` sandbox seconds."""

    clock: ScaledClock
    delay_s: float = 0.0
    jitter_s: float = 0.0
    seed: int = 1
    in_flight: int = 0
    peak_in_flight: int = 0
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def next_delay_s(self) -> float:
        """The next request's delay in sandbox seconds (never negative)."""
        if self.jitter_s <= 0:
            return max(0.0, self.delay_s)
        return max(0.0, self.delay_s + self._random.uniform(-self.jitter_s, self.jitter_s))

    @asynccontextmanager
    async def round_trip(self) -> AsyncIterator[None]:
        """Count the request in flight while it runs, and hold its answer for the delay."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            try:
                yield
            except Exception:
                await self._hold()  # an error answer takes its round trip too
                raise
            await self._hold()
        finally:
            self.in_flight -= 1

    async def _hold(self) -> None:
        delay_s = self.next_delay_s()
        if delay_s > 0:
            await asyncio.sleep(self.clock.real_seconds(delay_s))

    def describe(self) -> dict[str, float | int]:
        """The knobs and the counters, for the admin API."""
        return {
            "delay_s": self.delay_s,
            "jitter_s": self.jitter_s,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
        }
