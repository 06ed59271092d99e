"""Time as an input: the only module that reads the wall clock.

Everything else receives a :class:`Clock` (or a ``now`` argument), so tests freeze and move time
instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current time."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary point; only differences mean anything."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Current UTC time from the system clock."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """The process's monotonic clock."""
        return time.monotonic()


class FrozenClock:
    """A clock that moves only when told to (tests, simulations, the sandbox's time scale)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start time")
        self._mono = 0.0

    def now(self) -> datetime:
        """The frozen time."""
        return self._now

    def monotonic(self) -> float:
        """Seconds advanced so far."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


def utc(value: datetime) -> datetime:
    """The same instant as timezone-aware UTC; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class ShiftedClock(SystemClock):
    """The real clock moved forward on demand: real monotonic time keeps rate limits working
    while ``advance`` makes retry times, expiries and reconcile periods come due in tests."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """Real UTC time plus the offset."""
        return super().now() + self._offset

    def advance(self, seconds: float) -> None:
        """Move wall time forward."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += timedelta(seconds=seconds)
