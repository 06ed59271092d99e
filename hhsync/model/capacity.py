"""What the fleet costs in hh.ru requests a minute, what one instance may spend, and the stretch.

hh.ru limits requests per client address (about 10/s, hhru/api #74). A pass's steady cost is its
vacancy lists (every pass) and its state watches (each vacancy once per watch period), plus the
change reads the pass finds to do, measured from recent passes. When the portals an instance
runs cost more than its budget, every portal's poll interval and watch period are stretched by
the same factor instead of the budget answering with 429 storms: no portal is starved, each is
simply polled less often. Pure: the inputs are counted by :mod:`hhsync.db.fleet`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

BUDGET_HEADROOM = 0.95
"""hh.ru counts requests in a sliding one-second window: pacing at exactly the limit turns
network jitter into 429s (and a whole-process pause), so the budget runs slightly below it."""
ACTIVE_VACANCIES_PER_PAGE = 50
"""hh.ru's page size cap of ``GET /employers/{id}/vacancies/active`` (hh.ru OpenAPI spec)."""
ARCHIVED_LIST_REQUESTS = 1
"""The archived list is read every pass, one request at ``per_page`` up to 1000."""
MORE_ADVICE = "add an instance with its own egress address for more"


@dataclass(frozen=True)
class PortalLoad:
    """What one portal asks of hh.ru, as stored: its accounts, vacancies and recent passes."""

    portal_id: int
    poll_interval_s: float
    """The portal's own interval, or ``sync.poll_interval_s``."""
    account_vacancies: Sequence[int]
    """Active vacancies of each hh.ru account (each account lists its own)."""
    recent_pass_requests: Sequence[int] = ()
    """hh.ru requests of the portal's recent regular passes, less their creates' resume opens
    (those are new responses, paid from the budget's headroom; back-fills are left out)."""


def list_requests(vacancies: int) -> int:
    """Requests one account's pass spends on the vacancy lists (active pages, archived list)."""
    return max(1, math.ceil(vacancies / ACTIVE_VACANCIES_PER_PAGE)) + ARCHIVED_LIST_REQUESTS


def change_reads(load: PortalLoad, watch_period_s: float) -> float:
    """Requests a pass spends beyond its lists and watches: the median of its recent passes
    less that steady part, never below 0. The median, so one big import (served behind the
    incremental work anyway) does not stretch the whole fleet."""
    if not load.recent_pass_requests:
        return 0.0
    typical = statistics.median(load.recent_pass_requests)
    lists = sum(list_requests(v) for v in load.account_vacancies)
    watches = sum(load.account_vacancies) * min(1.0, load.poll_interval_s / watch_period_s)
    return max(0.0, typical - lists - watches)


def portal_cost_per_min(
    load: PortalLoad, watch_period_s: float, interval_s: float | None = None
) -> float:
    """hh.ru requests a minute of one portal polled every ``interval_s`` (its own by default),
    each vacancy watched once per ``watch_period_s``."""
    interval = load.poll_interval_s if interval_s is None else interval_s
    passes_per_min = 60.0 / interval
    lists = sum(list_requests(v) for v in load.account_vacancies)
    watches = sum(load.account_vacancies) * 60.0 / max(watch_period_s, interval)
    return (lists + change_reads(load, watch_period_s)) * passes_per_min + watches


def instance_budget_per_min(requests_per_s: float) -> float:
    """Requests a minute one instance may plan for: its rate less the headroom kept for new
    responses and jitter (the same headroom the request budget paces at)."""
    return requests_per_s * BUDGET_HEADROOM * 60.0


@dataclass(frozen=True)
class Capacity:
    """The fleet's cost against this instance's budget, and what follows from it."""

    fleet_cost_per_min: float
    """Every portal's cost at its own settings, requests a minute."""
    instances: int
    """Live instances sharing the fleet (this one included)."""
    budget_per_min: float
    """This instance's budget, requests a minute."""
    stretch: float
    """Factor on every poll interval and watch period (1: no stretch)."""
    portals: int
    capacity_at_60s: int | None
    """Portals like the fleet's (on average) this instance can poll every ``base_interval_s``
    (60 s by default) with their watches; None with none."""
    base_interval_s: float
    """``sync.poll_interval_s`` before the stretch."""

    @property
    def share_per_min(self) -> float:
        """This instance's part of the fleet's cost."""
        return self.fleet_cost_per_min / self.instances

    @property
    def over_budget(self) -> bool:
        """True when the intervals are stretched."""
        return self.stretch > 1.0

    @property
    def effective_interval_s(self) -> float:
        """The default poll interval as stretched."""
        return self.base_interval_s * self.stretch

    def sentence(self) -> str:
        """What `hhsync status` and `hhsync doctor` say about it, in one line."""
        can = (
            "no portal to measure a capacity by"
            if self.capacity_at_60s is None
            else f"this instance can poll {self.capacity_at_60s} portals at"
            f" {self.base_interval_s:.0f} s"
        )
        cost = (
            f"hh.ru cost {self.share_per_min:.0f}/min of a budget of"
            f" {self.budget_per_min:.0f}/min ({self.portals} portals, {self.instances} instances)"
        )
        if not self.over_budget:
            return f"{cost}; intervals as set; {can}"
        return (
            f"{cost}; intervals stretched x{self.stretch:.2f} (poll every"
            f" {self.effective_interval_s:.0f} s); {can}; {MORE_ADVICE}"
        )


def capacity(
    loads: Sequence[PortalLoad],
    *,
    instances: int,
    requests_per_s: float,
    watch_period_s: float,
    base_interval_s: float,
) -> Capacity:
    """The fleet's cost, this instance's share and budget, the stretch and the capacity.

    With several live instances each runs about an equal part of the fleet (they claim due
    portals from one table), so each compares its part with its own budget (each has its own
    egress address, ``hh.local_address``).
    """
    if instances < 1:
        raise ValueError("at least this instance is live")
    budget = instance_budget_per_min(requests_per_s)
    fleet = sum(portal_cost_per_min(load, watch_period_s) for load in loads)
    stretch = max(1.0, fleet / instances / budget)
    at_60 = None
    if loads:
        mean = sum(
            portal_cost_per_min(load, watch_period_s, base_interval_s) for load in loads
        ) / len(loads)
        at_60 = math.floor(budget / mean) if mean > 0 else None
    return Capacity(
        fleet_cost_per_min=fleet,
        instances=instances,
        budget_per_min=budget,
        stretch=stretch,
        portals=len(loads),
        capacity_at_60s=at_60,
        base_interval_s=base_interval_s,
    )
