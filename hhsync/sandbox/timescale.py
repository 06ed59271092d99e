"""Sandbox time that can run faster than the wall clock, so benchmarks keep every limit's ratio.

With ``speed=20`` a 14-day token lives 16.8 real hours, a 2 req/s bucket drains 40 req/s, and a
10-minute operating-time window lasts 30 real seconds. Every rate and expiry in the sandboxes reads
time from one :class:`ScaledClock` so that they all scale together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hhsync.clock import Clock, SystemClock


class ScaledClock:
    """Sandbox time: starts at the base clock's now and advances ``speed`` times faster."""

    def __init__(self, speed: float = 1.0, base: Clock | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._base = base or SystemClock()
        self._start_wall = self._base.now()
        self._start_mono = self._base.monotonic()
        self._offset_s = 0.0

    def monotonic(self) -> float:
        """Scaled seconds since start (plus any manual advance)."""
        return (self._base.monotonic() - self._start_mono) * self.speed + self._offset_s

    def now(self) -> datetime:
        """Scaled wall-clock time (UTC)."""
        return self._start_wall + timedelta(seconds=self.monotonic())

    def advance(self, seconds: float) -> None:
        """Jump sandbox time forward (admin API: expire tokens, drain buckets, in tests)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset_s += seconds

    def real_seconds(self, sandbox_seconds: float) -> float:
        """How long ``sandbox_seconds`` of sandbox time takes on the wall clock (for sleeps)."""
        return sandbox_seconds / self.speed
