"""Pure maths of Bitrix24's two limits; every function takes ``now`` (sandbox unix seconds).

* Request rate (``limits.md``): a leaky bucket per portal and client IP. Each HTTP request adds 1
  (a ``batch`` too); the level drains at ``drain_per_s``; a request that would push the level
  above ``capacity`` gets 503 QUERY_LIMIT_EXCEEDED and does no work.
* Operating time: seconds of method execution summed per (application, method) over ten
  one-minute baskets; once the sum reaches the limit, the *next* call to that method gets
  429 OPERATION_TIME_LIMIT until the oldest basket drops out. Other methods keep working.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WINDOW_S = 600.0
BASKET_S = 60.0


@dataclass(frozen=True)
class RatePlan:
    """A portal's tariff limits: drain rate (requests/s) and bucket capacity (requests)."""

    drain_per_s: float = 2.0
    capacity: float = 50.0

    @classmethod
    def named(cls, name: str) -> RatePlan:
        """The documented plans: ``standard`` (2/s, 50) and ``enterprise`` (5/s, 250)."""
        plans = {"standard": cls(2.0, 50.0), "enterprise": cls(5.0, 250.0)}
        try:
            return plans[name.lower()]
        except KeyError as exc:
            raise ValueError(f"unknown plan {name!r}; known: {', '.join(plans)}") from exc


@dataclass
class LeakyBucket:
    """One (portal, client IP) request counter."""

    plan: RatePlan
    level: float = 0.0
    updated_at: float | None = None

    def _drain(self, now: float) -> None:
        if self.updated_at is not None and now > self.updated_at:
            self.level = max(0.0, self.level - (now - self.updated_at) * self.plan.drain_per_s)
        if self.updated_at is None or now > self.updated_at:
            self.updated_at = now

    def try_take(self, now: float, *, count_rejected: bool) -> bool:
        """Count one request; False means "answer QUERY_LIMIT_EXCEEDED".

        Stricter than the docs' wording ("when the counter exceeds X the *next* request fails"):
        a burst of exactly ``capacity`` requests passes and the next one fails. Whether a refused
        request still counts is not documented; by default it does, so a client
        that hammers a full bucket stays locked out instead of squeezing through.
        """
        self._drain(now)
        if self.level + 1 > self.plan.capacity:
            if count_rejected:
                # never more than one request's worth above the brim, or a retry storm would
                # lock the portal out for ever
                self.level = min(self.level + 1, self.plan.capacity + 1)
            return False
        self.level += 1
        return True

    def current(self, now: float) -> float:
        """The level at ``now`` (for the admin API)."""
        self._drain(now)
        return self.level


@dataclass
class _Basket:
    first_call_at: float
    seconds: float


@dataclass
class OperatingBudget:
    """Accumulated method time per method name (for one portal's one application)."""

    limit_s: float = 480.0
    _baskets: dict[str, dict[int, _Basket]] = field(default_factory=dict)

    def _live(self, method: str, now: float) -> dict[int, _Basket]:
        baskets = self._baskets.setdefault(method, {})
        for minute in [m for m, b in baskets.items() if b.first_call_at + WINDOW_S <= now]:
            del baskets[minute]
        return baskets

    def used(self, method: str, now: float) -> float:
        """Seconds of ``method`` time inside the sliding ten minutes."""
        return sum(b.seconds for b in self._live(method, now).values())

    def is_blocked(self, method: str, now: float) -> bool:
        """Whether the next call to ``method`` must be refused (sum reached the limit)."""
        return self.used(method, now) >= self.limit_s

    def reset_at(self, method: str, now: float) -> int:
        """Unix time at which the oldest basket drops out (``time.operating_reset_at``)."""
        baskets = self._live(method, now)
        if not baskets:
            return math.ceil(now + WINDOW_S)
        return math.ceil(min(b.first_call_at for b in baskets.values()) + WINDOW_S)

    def charge(self, method: str, now: float, cost_s: float) -> float:
        """Book ``cost_s`` seconds for a call to ``method`` made at ``now``; returns the new sum."""
        baskets = self._live(method, now)
        minute = int(now // BASKET_S)
        basket = baskets.get(minute)
        if basket is None:
            baskets[minute] = _Basket(first_call_at=now, seconds=cost_s)
        else:
            basket.seconds += cost_s
        return self.used(method, now)

    def snapshot(self, now: float) -> dict[str, float]:
        """Seconds used per method (admin API)."""
        return {m: round(self.used(m, now), 6) for m in list(self._baskets) if self.used(m, now)}
