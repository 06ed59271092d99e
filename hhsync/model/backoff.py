"""Pure retry timing for responses that failed to sync: exponential, capped, spread by id."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


def retry_delay_s(attempts: int, base_s: float, max_s: float, key: str) -> float:
    """Delay before attempt ``attempts + 1``: base·2^(attempts-1), capped, ±20 % by ``key``.

    The spread is derived from the key (not a random draw) so the plan stays a pure function and
    a portal's failed responses do not all come due in the same second.
    """
    if attempts < 1:
        return 0.0
    raw = min(max_s, base_s * float(2 ** min(attempts - 1, 30)))
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    spread = (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF - 0.5) * 0.4  # -0.2 .. +0.2
    return min(max_s, raw * (1 + spread))


def next_retry_at(attempts: int, now: datetime, base_s: float, max_s: float, key: str) -> datetime:
    """When a response that has failed ``attempts`` times is due again."""
    return now + timedelta(seconds=retry_delay_s(attempts, base_s, max_s, key))


@dataclass(frozen=True)
class Backoff:
    """A portal's retry timing (``sync.retry_base_s``, ``sync.retry_max_s``)."""

    base_s: float
    max_s: float

    def due(self, now: datetime, key: str) -> Callable[[int], datetime]:
        """When ``key``, having failed a given number of times by ``now``, is due again."""
        return lambda attempts: next_retry_at(attempts, now, self.base_s, self.max_s, key)
