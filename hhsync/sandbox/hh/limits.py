"""Limits of the hh.ru sandbox as pure logic over sandbox time: request rate and paging.

Resume views are counted in :mod:`hhsync.sandbox.hh.resume_quota`.

Every function takes the current (scaled) time as an argument, so the time scale stretches or
shrinks all limits together and tests move time instead of sleeping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from hhsync.sandbox.hh import errors

MSK = timezone(timedelta(hours=3))


@dataclass
class ClientTally:
    """What one client address sent: served, refused with 429, and its busiest second."""

    served: int = 0
    refused: int = 0
    peak_per_s: int = 0
    """Most requests served to it within one sliding second."""

    def as_json(self) -> dict[str, int]:
        """JSON view for the admin API."""
        return {"served": self.served, "refused": self.refused, "peak_per_s": self.peak_per_s}


@dataclass
class RateLimiter:
    """At most ``per_second`` requests per client address in any sliding one-second window.

    hh.ru limits per client address, not per token (hhru/api #74: "ограничение на количество
    запросов с одного IP"), so two instances leaving from two addresses get a budget each.
    """

    per_second: float
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    tallies: dict[str, ClientTally] = field(default_factory=dict)
    """Per client address, since the request log was last cleared."""

    def allow(self, client: str, now_s: float) -> bool:
        """Record a request from ``client`` at ``now_s``; False if it is over the limit."""
        tally = self.tallies.setdefault(client, ClientTally())
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now_s - 1.0:
            hits.popleft()
        if self.per_second > 0 and len(hits) >= self.per_second:
            tally.refused += 1
            return False
        hits.append(now_s)
        tally.served += 1
        tally.peak_per_s = max(tally.peak_per_s, len(hits))
        return True


@dataclass(frozen=True)
class Paging:
    """A validated ``page``/``per_page`` pair."""

    page: int
    per_page: int


def parse_paging(
    raw_page: str | None,
    raw_per_page: str | None,
    *,
    max_per_page: int,
    default_per_page: int,
    depth_limit: int,
) -> Paging:
    """Validate paging parameters the way hh.ru does.

    ``per_page`` above the method's maximum is refused with 400 rather than clamped: hh.ru does
    not document which it does, and refusing is the stricter choice.
    Raises:
        errors.ApiError: 400 ``bad_argument`` or the page-depth body.
    """
    page = _non_negative_int("page", raw_page, 0)
    per_page = _non_negative_int("per_page", raw_per_page, default_per_page)
    if per_page < 1 or per_page > max_per_page:
        raise errors.bad_argument("per_page", f"per_page must be 1..{max_per_page}")
    if (page + 1) * per_page > depth_limit:
        raise errors.page_depth(depth_limit)
    return Paging(page, per_page)


def _non_negative_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_argument(name, f"{name} must be an integer") from None
    if value < 0:
        raise errors.bad_argument(name, f"{name} must not be negative")
    return value
