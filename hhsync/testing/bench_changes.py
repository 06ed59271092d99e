"""The change-tracking benchmarks' measurements (``scripts/bench_changes.py`` prints them).

Each ``measure_*`` runs the real engine (or the daemon in this process) against both sandboxes
over HTTP and returns what it measured; each result's ``lines()`` prints the figures against
their limits (ARCHITECTURE.md, "Limits the design is measured against"). Every figure comes from
the sandboxes (the hh.ru request log, the CRM's entities) or hhsync's database, in sandbox
seconds; nothing is assumed from the code under test beyond its settings.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from hhsync.sync.context import SyncContext
from hhsync.sync.engine import PassReport, run_pass
from hhsync.testing.bench import (
    WALL,
    by_kind,
    hh_now_iso,
    hh_requests,
    percentile,
    ratio_line,
    running_daemon,
    sandbox_period_s,
    seconds_text,
    sleep_sandbox,
)
from hhsync.testing.bench_fleet import Arrivals, Fleet, fleet_world, open_fleet, wait_until

STATE_CHANGE_LIMIT_S: Final = 300.0
"""A state change made outside hhsync reaches the CRM within 5 minutes, p99."""
DESIGN_WATCH_PERIOD_S: Final = 180.0
"""The design's state-watch period, the reference when this code has no such setting."""
LISTING_LIMIT: Final = 3
"""Listing requests one new response on a big vacancy may cost beyond the vacancy list."""
BACKFILL_SLACK_S: Final = 10.0
"""New responses arrive within one poll interval plus this, also during another's back-fill."""
LISTING_KINDS: Final = ("collections", "listing", "negotiation")
KINDS: Final = ("employer move", "withdrawal", "invitation", "vacancy move")
VACANCY_MOVE_ROUTE: Final = re.compile(
    r"^/_sandbox/negotiations/(\{\w+\})/(\w*vacanc\w*|move\w*|transfer\w*)$"
)
"""The hh.ru sandbox's admin call that moves a response to another vacancy, where it has one."""


def _poll_s(fleet: Fleet) -> float:
    poll = sandbox_period_s(fleet.settings, "poll_interval_s", fleet.speed)
    assert poll is not None  # noqa: S101 - every code has a poll interval
    return poll


async def _imported(fleet: Fleet, expected: dict[str, set[str]]) -> bool:
    for domain, nids in expected.items():
        if not nids <= set(await fleet.leads(domain)):
            return False
    return True


async def _fleet_negotiations(fleet: Fleet) -> dict[str, set[str]]:
    """Every negotiation on each portal's employer's open vacancies, by portal domain."""
    store = fleet.sandboxes.hh.store
    found: dict[str, set[str]] = {}
    for portal in fleet.portals:
        open_ids = {
            v.id
            for v in store.vacancies.values()
            if v.employer_id == portal.employer_id and not v.archived
        }
        found[portal.domain] = {
            n.id for n in store.negotiations.values() if n.vacancy_id in open_ids
        }
    return found


# --- 1. state changes ----------------------------------------------------------------------


@dataclass
class StateChangeResult:
    """Latencies of state changes made on hh.ru, and the idle fleet's hh.ru cost."""

    latencies_s: dict[str, list[float]]
    skipped: dict[str, str]
    idle_requests: dict[str, int]
    idle_window_s: float
    vacancies: int
    poll_s: float
    watch_period_s: float | None

    def all_latencies(self) -> list[float]:
        """Every change's latency, all kinds together."""
        return [v for values in self.latencies_s.values() for v in values]

    def per_vacancy_hour(self, kinds: Iterable[str] | None = None) -> float:
        """Idle hh.ru requests per vacancy per hour (of ``kinds``, or all)."""
        chosen = (
            self.idle_requests
            if kinds is None
            else {k: self.idle_requests.get(k, 0) for k in kinds}
        )
        hours = self.idle_window_s / 3600
        return sum(chosen.values()) / self.vacancies / hours

    def lines(self) -> list[str]:
        """The figures against the limits."""
        watch = self.watch_period_s
        out = [
            f"settings: poll {self.poll_s:.0f} s, state watch period "
            + (
                f"{watch:.0f} s"
                if watch is not None
                else "(no sync.state_watch_period_s in this code)"
            )
        ]
        for kind, values in self.latencies_s.items():
            out.append(f"{kind}: {seconds_text(values)}")
        for kind, why in self.skipped.items():
            out.append(f"{kind}: skipped ({why})")
        values = self.all_latencies()
        out.append(
            ratio_line(
                "state change -> CRM p50", percentile(values, 50), STATE_CHANGE_LIMIT_S, " s"
            )
        )
        out.append(
            ratio_line(
                "state change -> CRM p99", percentile(values, 99), STATE_CHANGE_LIMIT_S, " s"
            )
        )
        reference = 3600 / (watch or DESIGN_WATCH_PERIOD_S)
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.idle_requests.items()))
        out.append(
            f"idle fleet: {sum(self.idle_requests.values())} hh.ru requests in "
            f"{self.idle_window_s:.0f} s over {self.vacancies} vacancies ({shown})"
        )
        out.append(
            f"idle fleet: {self.per_vacancy_hour():.1f} hh.ru requests per vacancy per hour, "
            f"{self.per_vacancy_hour(['vacancy list']):.1f} of them vacancy lists, "
            f"{self.per_vacancy_hour(LISTING_KINDS):.1f} negotiation reads"
        )
        out.append(
            ratio_line(
                "idle negotiation reads per vacancy-hour vs the watch's 3600/period",
                self.per_vacancy_hour(LISTING_KINDS),
                reference,
            )
        )
        return out


@dataclass
class StateChangeConfig:
    """Sizes of the state-change run (sandbox seconds)."""

    portals: int = 5
    vacancies: int = 10
    per_kind: int = 5
    window_s: float = 600.0
    wait_s: float = 600.0
    idle_s: float = 720.0
    speed: float = 10.0
    seed: int = 11


def vacancy_move_path(fleet: Fleet) -> str | None:
    """The admin path moving a response to another vacancy, if the hh.ru sandbox has one."""
    for route in fleet.sandboxes.hh_app.routes:
        path = getattr(route, "path", "")
        if VACANCY_MOVE_ROUTE.match(path):
            return str(path)
    return None


async def _change(
    fleet: Fleet, kind: str, nid: str, other_vacancy: str, move_path: str | None
) -> None:
    if kind == "employer move":
        await fleet.hh_admin(
            "POST", f"/_sandbox/negotiations/{nid}/state", {"employer_state": "consider"}
        )
    elif kind == "withdrawal":
        await fleet.hh_admin("POST", f"/_sandbox/negotiations/{nid}/withdraw")
    elif kind == "invitation":
        body = {"employer_state": "interview", "message": "Приглашаем на собеседование"}
        await fleet.hh_admin("POST", f"/_sandbox/negotiations/{nid}/state", body)
    elif move_path is not None:
        await fleet.hh_admin(
            "POST",
            VACANCY_MOVE_ROUTE.sub(lambda m: m[0].replace(m[1], nid), move_path),
            {"vacancy_id": other_vacancy},
        )


async def measure_state_changes(
    cfg: StateChangeConfig, db_url: str | None = None
) -> StateChangeResult:
    """K vacancies on N portals under the daemon at default settings: the idle fleet's hh.ru
    requests, then state changes of every kind at random times, each timed until the CRM's
    UF_CRM_HH_STATUS shows it."""
    rng = random.Random(cfg.seed)  # noqa: S311 - a reproducible schedule, not a secret
    world = fleet_world(cfg.portals, max(cfg.vacancies, 2), 2, cfg.seed)
    async with open_fleet(world, cfg.portals, speed=cfg.speed, db_url=db_url) as fleet:
        move_path = vacancy_move_path(fleet)
        skipped = (
            {} if move_path else {"vacancy move": "the hh.ru sandbox has no admin call for it"}
        )
        kinds = [k for k in KINDS if k not in skipped]
        targets: list[tuple[str, str, str, str]] = []  # kind, nid, portal domain, other vacancy
        vacancies = {p.domain: await fleet.vacancies_of(p.employer_id) for p in fleet.portals}
        for kind in kinds:
            for _ in range(cfg.per_kind):
                portal = rng.choice(fleet.portals)
                own, other = rng.sample(vacancies[portal.domain], 2)
                targets.append((kind, await fleet.respond(own), portal.domain, other))
        expected = await _fleet_negotiations(fleet)
        poll_s = _poll_s(fleet)
        watch_s = sandbox_period_s(fleet.settings, "state_watch_period_s", fleet.speed)
        async with running_daemon(fleet.settings, fleet.database, fleet.cipher, fleet.speed):
            await wait_until(lambda: _imported(fleet, expected), "the initial import", 600)
            await sleep_sandbox(fleet.sandboxes, max(poll_s, watch_s or 0) + poll_s)
            since = hh_now_iso(fleet.sandboxes)
            started = fleet.sandboxes.hh_now_s()
            await sleep_sandbox(fleet.sandboxes, cfg.idle_s)
            idle = by_kind(await hh_requests(fleet.http, fleet.sandboxes.hh_url, since))
            idle_window_s = fleet.sandboxes.hh_now_s() - started
            arrivals = Arrivals(fleet)
            statuses = {d: await fleet.leads(d) for d in {t[2] for t in targets}}
            at = sorted(rng.uniform(0, cfg.window_s) for _ in targets)
            rng.shuffle(targets)
            stop = asyncio.Event()
            watcher = asyncio.create_task(arrivals.watch(stop))
            begun = WALL.monotonic()
            for when, (kind, nid, domain, other) in zip(at, targets, strict=True):
                await asyncio.sleep(max(0.0, begun + when / cfg.speed - WALL.monotonic()))
                arrivals.expect_status_change(nid, domain, statuses[domain][nid])
                try:
                    await _change(fleet, kind, nid, other, move_path)
                except RuntimeError as exc:
                    if kind != "vacancy move":
                        raise
                    arrivals.forget(nid)  # the sandbox's call did not take this body
                    skipped[kind] = f"the hh.ru sandbox refused the move: {exc}"
            await arrivals.settled(cfg.wait_s / cfg.speed)
            stop.set()
            await watcher
        by = {
            kind: [nid for k, nid, _, _ in targets if k == kind and nid in arrivals.changed_at]
            for kind in kinds
            if kind not in skipped
        }
        return StateChangeResult(
            latencies_s={kind: arrivals.latencies_s(nids) for kind, nids in by.items()},
            skipped=skipped,
            idle_requests=idle,
            idle_window_s=idle_window_s,
            vacancies=cfg.portals * max(cfg.vacancies, 2),
            poll_s=poll_s,
            watch_period_s=watch_s,
        )


# --- 2. incremental listing ----------------------------------------------------------------


@dataclass
class IncrementalResult:
    """The hh.ru requests of the pass after one new response on a big vacancy."""

    negotiations: int
    import_requests: int
    import_s: float
    imported: int
    requests: dict[str, int]
    arrived: bool

    @property
    def listing(self) -> int:
        """Requests spent listing negotiations (collections, pages, details)."""
        return sum(self.requests.get(k, 0) for k in LISTING_KINDS)

    def lines(self) -> list[str]:
        """The figures against the limit."""
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.requests.items()))
        return [
            f"initial import: {self.imported}/{self.negotiations} negotiations in "
            f"{self.import_s:.0f} s, {self.import_requests} hh.ru requests",
            f"one new response: pass sent {sum(self.requests.values())} hh.ru requests ({shown}); "
            f"response in the CRM: {'yes' if self.arrived else 'NO'}",
            ratio_line("listing requests beyond the vacancy list", self.listing, LISTING_LIMIT),
        ]


@dataclass
class ListingConfig:
    """Sizes of the single-vacancy runs."""

    negotiations: int = 5000
    depth_profile: str = "loose"
    speed: float = 10.0
    seed: int = 13
    depth_limit: int | None = None
    """A paging depth of its own instead of the profile's (small runs: tests)."""
    deleted_resumes: bool = False
    """The big vacancy's applicants deleted their resumes (``resume: null``): the set-up import
    then opens no resume, which is not what the incremental run measures."""
    spread: bool = False
    """The responses spread over several collections, none past the depth (:func:`listing_plan`):
    the set-up import can then be complete whatever the deep reader does."""


SPREAD_STATES: Final = ("response", "discard_no_interaction", "consider", "interview", "offer")
"""States a vacancy's responses are spread over so that no listing passes the depth: one each
of the response, refusal and in-progress collections (a system refusal costs its import no
``/messages`` read, an employer's move does)."""
PER_LISTING: Final = 1900
"""Most responses one listing gets when spread: below the strict depth with room to grow."""


def listing_plan(count: int, *, spread: bool) -> list[tuple[str, int]]:
    """How many responses each employer state gets: all ``response``, or spread over
    :data:`SPREAD_STATES` at most :data:`PER_LISTING` each.

    Raises:
        ValueError: more than the spread states can hold.
    """
    if not spread:
        return [("response", count)] if count else []
    plan = []
    left = count
    for state in SPREAD_STATES:
        if left <= 0:
            break
        plan.append((state, min(left, PER_LISTING)))
        left -= PER_LISTING
    if left > 0:
        raise ValueError(f"{count} responses do not fit {len(SPREAD_STATES)} listings")
    return plan


async def _big_vacancy(
    fleet: Fleet,
    count: int,
    depth_profile: str,
    *,
    depth_limit: int | None = None,
    deleted_resumes: bool = False,
    spread: bool = False,
) -> str:
    """The first portal's vacancy given ``count`` more responses (0: none, a control run)."""
    limits: dict[str, Any] = {"depth_profile": depth_profile}
    if depth_limit is not None:
        limits["depth_limit"] = depth_limit
    await fleet.hh_admin("POST", "/_sandbox/limits", limits)
    vacancy_id = (await fleet.vacancies_of(fleet.portals[0].employer_id))[0]
    path = f"/_sandbox/vacancies/{vacancy_id}/negotiations/bulk"
    for state, planned in listing_plan(count, spread=spread):
        left = planned
        while left > 0:  # in calls of at most 5,000, so none holds the sandbox for long
            chunk = min(left, 5000)
            body = {"count": chunk, "employer_state": state, "deleted_resumes": deleted_resumes}
            await fleet.hh_admin("POST", path, body)
            left -= chunk
    return vacancy_id


async def _sync(ctx: SyncContext, portal_id: int) -> PassReport:
    return await run_pass(ctx, portal_id)


async def measure_incremental(cfg: ListingConfig, db_url: str | None = None) -> IncrementalResult:
    """A vacancy with ``cfg.negotiations`` responses synced once, then one new response: the
    hh.ru requests of the next pass, by kind."""
    world = fleet_world(1, 1, 0, cfg.seed)
    async with open_fleet(world, 1, speed=cfg.speed, db_url=db_url) as fleet:
        portal = fleet.portals[0]
        vacancy_id = await _big_vacancy(
            fleet,
            cfg.negotiations,
            cfg.depth_profile,
            depth_limit=cfg.depth_limit,
            deleted_resumes=cfg.deleted_resumes,
            spread=cfg.spread,
        )
        ctx = SyncContext.create(fleet.settings, fleet.database, fleet.cipher, instance_id="bench")
        try:
            started = WALL.monotonic()
            first = await _sync(ctx, portal.portal_id)
            import_s = (WALL.monotonic() - started) * cfg.speed
            await _sync(ctx, portal.portal_id)  # whatever the import left to settle
            imported, _ = await fleet.stored(portal.portal_id)
            nid = await fleet.respond(vacancy_id)
            since = hh_now_iso(fleet.sandboxes)
            await _sync(ctx, portal.portal_id)
            requests = by_kind(await hh_requests(fleet.http, fleet.sandboxes.hh_url, since))
            arrived = nid in await fleet.leads(portal.domain)
        finally:
            await ctx.aclose()
        return IncrementalResult(
            cfg.negotiations, first.hh_requests, import_s, imported, requests, arrived
        )


# --- 3. deep vacancies ---------------------------------------------------------------------


@dataclass
class DeepResult:
    """How much of a collection deeper than the paging depth was imported."""

    total: int
    depth: int
    stored: int
    leads: int
    gap: int
    passes: int

    def lines(self) -> list[str]:
        """The figures against the goal of everything."""
        accounted = (self.stored + self.gap) / self.total
        return [
            f"collection of {self.total} responses, paging depth {self.depth}: {self.stored} "
            f"stored, {self.leads} in the CRM after {self.passes} passes; gap reported: {self.gap}",
            ratio_line("fraction imported", self.leads / self.total, 1.0, goal=">="),
            f"fraction imported or reported missing: {accounted:.2f} (goal 1.00)",
        ]


async def measure_deep(cfg: ListingConfig, db_url: str | None = None) -> DeepResult:
    """One vacancy of ``cfg.negotiations`` responses under ``cfg.depth_profile``: passes until
    one brings nothing new, then what is stored, in the CRM and reported missing."""
    world = fleet_world(1, 1, 0, cfg.seed)
    async with open_fleet(world, 1, speed=cfg.speed, db_url=db_url) as fleet:
        portal = fleet.portals[0]
        await _big_vacancy(fleet, cfg.negotiations, cfg.depth_profile, depth_limit=cfg.depth_limit)
        depth = int((await fleet.hh_admin("GET", "/_sandbox/limits"))["depth_limit"])
        ctx = SyncContext.create(fleet.settings, fleet.database, fleet.cipher, instance_id="bench")
        passes = 0
        try:
            for passes in range(1, 6):
                report = await _sync(ctx, portal.portal_id)
                if report.writes.created == 0 and passes > 1:
                    break
        finally:
            await ctx.aclose()
        stored, gap = await fleet.stored(portal.portal_id)
        leads = len(await fleet.leads(portal.domain))
        return DeepResult(cfg.negotiations, depth, stored, leads, gap, passes)


# --- 4. back-fill beside a fleet -----------------------------------------------------------


@dataclass
class BackfillResult:
    """New responses' latency on a fleet while one portal back-fills."""

    latencies_s: list[float]
    poll_s: float
    big: int
    big_before: int
    big_after: int

    def lines(self) -> list[str]:
        """The figures against the limit."""
        limit = self.poll_s + BACKFILL_SLACK_S
        backfill = (
            "back-fill: none (a control run: the same fleet with no big import)"
            if self.big == 0
            else f"back-fill: {self.big_before} -> {self.big_after} of {self.big} responses in "
            "the big portal's CRM over the window"
            + (
                " (it finished inside the window: make --big larger)"
                if self.big_after >= self.big
                else ""
            )
        )
        return [
            backfill,
            f"other portals' new responses: {seconds_text(self.latencies_s)}",
            ratio_line("new response -> CRM p50", percentile(self.latencies_s, 50), limit, " s"),
            ratio_line("new response -> CRM p99", percentile(self.latencies_s, 99), limit, " s"),
        ]


@dataclass
class BackfillConfig:
    """Sizes of the back-fill run (sandbox seconds)."""

    big: int = 10_000
    others: int = 50
    per_portal: int = 2
    window_s: float = 600.0
    depth_profile: str = "loose"
    speed: float = 10.0
    seed: int = 17


async def measure_backfill(cfg: BackfillConfig, db_url: str | None = None) -> BackfillResult:
    """One portal importing ``cfg.big`` responses under the daemon while ``cfg.others`` portals
    receive new responses at random times: each timed until its lead is in that portal's CRM."""
    rng = random.Random(cfg.seed)  # noqa: S311 - a reproducible schedule, not a secret
    world = fleet_world(cfg.others + 1, 1, 2, cfg.seed)
    async with open_fleet(world, cfg.others + 1, speed=cfg.speed, db_url=db_url) as fleet:
        big, others = fleet.portals[0], fleet.portals[1:]
        small = {d: s for d, s in (await _fleet_negotiations(fleet)).items() if d != big.domain}
        await _big_vacancy(fleet, cfg.big, cfg.depth_profile)
        vacancy_of = {p.domain: (await fleet.vacancies_of(p.employer_id))[0] for p in others}
        poll_s = _poll_s(fleet)
        async with running_daemon(fleet.settings, fleet.database, fleet.cipher, fleet.speed):
            await wait_until(lambda: _imported(fleet, small), "the small portals' import", 600)
            big_before = len(await fleet.leads(big.domain))
            arrivals = Arrivals(fleet)
            stop = asyncio.Event()
            watcher = asyncio.create_task(arrivals.watch(stop))
            plan = sorted(
                (rng.uniform(0, cfg.window_s), p.domain)
                for p in others
                for _ in range(cfg.per_portal)
            )
            begun = WALL.monotonic()
            for when, domain in plan:
                await asyncio.sleep(max(0.0, begun + when / cfg.speed - WALL.monotonic()))
                nid = await fleet.respond(vacancy_of[domain])
                arrivals.expect_lead(nid, domain)
            await arrivals.settled(3 * (poll_s + BACKFILL_SLACK_S) / cfg.speed)
            stop.set()
            await watcher
            big_after = len(await fleet.leads(big.domain))
        return BackfillResult(arrivals.latencies_s(), poll_s, cfg.big, big_before, big_after)


# --- 5. capacity ---------------------------------------------------------------------------


@dataclass
class CapacityResult:
    """What the product says it can poll, against what a run of the fleet measured."""

    portals: int
    vacancies: int
    window_s: float
    requests: dict[str, int]
    poll_s: float
    budget_per_min: float
    intervals_s: list[float]
    computed: list[str]

    @property
    def per_minute(self) -> float:
        """hh.ru requests per sandbox minute over the window."""
        return sum(self.requests.values()) / (self.window_s / 60)

    def lines(self) -> list[str]:
        """The figures against the budget and the configured interval."""
        mean = sum(self.intervals_s) / len(self.intervals_s) if self.intervals_s else math.nan
        out = [f"product's capacity: {line}" for line in self.computed] or [
            "product's capacity: not available "
            "(no capacity figures in /metrics, no hhsync.service.capacity)"
        ]
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.requests.items()))
        out += [
            f"measured: {self.portals} portals x {self.vacancies} vacancies over "
            f"{self.window_s:.0f} s: "
            f"{sum(self.requests.values())} hh.ru requests ({shown})",
            ratio_line(
                "hh.ru requests per minute vs the budget",
                self.per_minute,
                self.budget_per_min,
                "/min",
            ),
            f"per portal: {self.per_minute / self.portals:.1f} requests/min; budget allows "
            f"{self.budget_per_min / (self.per_minute / self.portals):.0f} such portals"
            if self.per_minute
            else "per portal: no requests",
            ratio_line(
                f"effective interval (mean of {len(self.intervals_s)} gaps between passes)",
                mean,
                self.poll_s,
                " s",
                goal="~",
            ),
        ]
        return out


@dataclass
class CapacityConfig:
    """Sizes of the capacity run (sandbox seconds)."""

    portals: int = 20
    vacancies: int = 10
    window_s: float = 600.0
    speed: float = 10.0
    seed: int = 19


CAPACITY_METRIC: Final = re.compile(r"^hhsync_\w*(capacity|effective|budget)\w*", re.MULTILINE)


def product_capacity(metrics_text: str) -> list[str]:
    """The capacity figures the product computes, as its /metrics shows them (none: absent)."""
    lines = [line for line in metrics_text.splitlines() if CAPACITY_METRIC.match(line)]
    try:
        importlib.import_module("hhsync.service.capacity")
    except ImportError:
        return lines
    return lines or ["hhsync.service.capacity exists but /metrics shows no capacity figures"]


async def measure_capacity(cfg: CapacityConfig, db_url: str | None = None) -> CapacityResult:
    """``cfg.portals`` portals under the daemon at default settings: after the import, the hh.ru
    requests per minute and the intervals between each portal's passes over a window."""
    world = fleet_world(cfg.portals, cfg.vacancies, 2, cfg.seed)
    async with open_fleet(world, cfg.portals, speed=cfg.speed, db_url=db_url) as fleet:
        expected = await _fleet_negotiations(fleet)
        poll_s = _poll_s(fleet)
        async with running_daemon(
            fleet.settings, fleet.database, fleet.cipher, fleet.speed
        ) as runner:
            await wait_until(lambda: _imported(fleet, expected), "the initial import", 600)
            await sleep_sandbox(fleet.sandboxes, poll_s)
            since = hh_now_iso(fleet.sandboxes)
            started_s = fleet.sandboxes.hh_now_s()
            wall_start = WALL.now()
            await sleep_sandbox(fleet.sandboxes, cfg.window_s)
            requests = by_kind(await hh_requests(fleet.http, fleet.sandboxes.hh_url, since))
            window_s = fleet.sandboxes.hh_now_s() - started_s
            metrics_text = runner.metrics.render().decode()
        runs = [r for r in await fleet.runs() if r.started_at >= wall_start]
        starts: dict[int, list[Any]] = {}
        for run in runs:
            starts.setdefault(run.portal_id, []).append(run.started_at)
        gaps = [
            (later - earlier).total_seconds() * cfg.speed
            for times in starts.values()
            for earlier, later in itertools.pairwise(times)
        ]
        return CapacityResult(
            portals=cfg.portals,
            vacancies=cfg.vacancies,
            window_s=window_s,
            requests=requests,
            poll_s=poll_s,
            budget_per_min=fleet.settings.hh.requests_per_s / cfg.speed * 60,
            intervals_s=gaps,
            computed=product_capacity(metrics_text),
        )


__all__ = [
    "BackfillConfig",
    "CapacityConfig",
    "ListingConfig",
    "StateChangeConfig",
    "measure_backfill",
    "measure_capacity",
    "measure_deep",
    "measure_incremental",
    "measure_state_changes",
]
