"""A fleet of sandbox portals for the change-tracking benchmarks: each portal linked to its own
hh.ru employer, hhsync's settings at their defaults scaled to the sandboxes' speed, and the
helpers that watch both sandboxes while the engine or the daemon runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from hhsync.config import Settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Negotiation, SyncRun, Vacancy
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.testing.bench import (
    WALL,
    Sandboxes,
    base_settings,
    bench_database,
    scaled,
    serve_sandboxes,
)
from hhsync.testing.portal import SandboxPortal, install_sandbox_portal


def fleet_world(employers: int, vacancies: int, negotiations: int, seed: int) -> HhSandboxConfig:
    """An hh.ru world of ``employers`` with ``vacancies`` open vacancies of ``negotiations``
    each, one manager each, resume opens not the bound (the import is not what is measured)."""
    return HhSandboxConfig(
        seed=seed,
        employers=employers,
        managers_per_employer=1,
        vacancies_per_employer=vacancies,
        archived_vacancies_per_employer=0,
        applicants=max(negotiations + 5, 10),
        negotiations_per_vacancy=negotiations,
        resume_views_per_day=10_000_000,
        resume_views_per_company_per_day=10_000_000,
    )


@dataclass
class Fleet:
    """The sandboxes, hhsync's database and settings, and the installed portals."""

    sandboxes: Sandboxes
    settings: Settings
    database: Database
    cipher: TokenCipher
    http: httpx.AsyncClient
    portals: list[SandboxPortal] = field(default_factory=list)

    @property
    def speed(self) -> float:
        """Sandbox seconds per wall second."""
        return self.sandboxes.speed

    async def hh_admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A call to the hh.ru sandbox's control API; a refusal fails with its body."""
        answer = await self.http.request(method, f"{self.sandboxes.hh_url}{path}", json=body)
        if answer.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer.json()

    async def vacancies_of(self, employer_id: str) -> list[str]:
        """The employer's open vacancies, by id."""
        state = await self.hh_admin("GET", "/_sandbox/state")
        return sorted(
            v["id"]
            for v in state["vacancies"]
            if v["employer_id"] == employer_id and not v["archived"]
        )

    async def respond(self, vacancy_id: str) -> str:
        """A new response on the vacancy from a new applicant; its negotiation id."""
        created = await self.hh_admin("POST", "/_sandbox/negotiations", {"vacancy_id": vacancy_id})
        return str(created["id"])

    async def leads(self, domain: str) -> dict[str, dict[str, Any]]:
        """The portal's leads by ORIGIN_ID (the hh.ru negotiation id)."""
        answer = await self.http.get(
            f"{self.sandboxes.bitrix_url}/_sandbox/portals/{domain}/entities/lead"
        )
        answer.raise_for_status()
        return {str(lead.get("ORIGIN_ID")): lead for lead in answer.json()}

    async def stored(self, portal_id: int) -> tuple[int, int]:
        """Negotiations hhsync stored for the portal, and the gap its vacancies report."""
        async with self.database.session() as session:
            count = await session.exec(
                select(func.count())
                .select_from(Negotiation)
                .where(Negotiation.portal_id == portal_id)
            )
            gap = await session.exec(
                select(func.coalesce(func.sum(Vacancy.missing_negotiations), 0)).where(
                    Vacancy.portal_id == portal_id
                )
            )
            return int(count.one()), int(gap.one())

    async def runs(self) -> list[SyncRun]:
        """Every pass recorded so far, oldest first."""
        async with self.database.session() as session:
            found = await session.exec(select(SyncRun).order_by(col(SyncRun.started_at)))
            return list(found.all())


@asynccontextmanager
async def open_fleet(
    hh_config: HhSandboxConfig,
    portals: int,
    *,
    speed: float,
    passes: int | None = None,
    db_url: str | None = None,
    b24_profile: str = "light",
) -> AsyncIterator[Fleet]:
    """Serve the sandboxes, install ``portals`` portals (portal n on employer n), yield the fleet.

    ``db_url`` names a migrated database to use (a test's); otherwise one is made and dropped.
    """
    async with AsyncExitStack() as stack:
        sandboxes = stack.enter_context(
            serve_sandboxes(hh_config, speed=speed, b24_profile=b24_profile)
        )
        sandboxes.keep_whole_request_log()
        url = db_url or stack.enter_context(bench_database())
        key = TokenCipher.generate_key()
        settings = scaled(base_settings(sandboxes.hh_url, url, key), speed, passes=passes)
        cipher = TokenCipher(key)
        database = Database.from_settings(settings)
        stack.push_async_callback(database.dispose)
        http = await stack.enter_async_context(
            httpx.AsyncClient(headers={"User-Agent": "hhsync-bench"}, timeout=60)
        )
        fleet = Fleet(sandboxes, settings, database, cipher, http)
        for n in range(portals):
            fleet.portals.append(
                await install_sandbox_portal(
                    http,
                    sandboxes.hh_url,
                    sandboxes.bitrix_url,
                    database,
                    cipher,
                    domain=f"p{n}.bitrix24.ru",
                    stage_map={"response": "NEW"},
                    employer_index=n % hh_config.employers,
                )
            )
        yield fleet


async def wait_until(
    condition: Callable[[], Awaitable[bool]], what: str, limit_s: float, every_s: float = 0.25
) -> None:
    """Poll ``condition`` until it holds (a bound on a wall-clock wait, not a timing figure).

    Raises:
        TimeoutError: naming ``what``, after ``limit_s`` wall seconds.
    """
    deadline = WALL.monotonic() + limit_s
    while not await condition():
        if WALL.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {limit_s:.0f} s")
        await asyncio.sleep(every_s)


def shown(lead: Mapping[str, Any]) -> tuple[Any, Any]:
    """What a lead shows of its negotiation's place on hh.ru: UF_CRM_HH_STATUS, and the vacancy
    (UF_CRM_HH_VACANCY: a response moved to another vacancy may keep its status)."""
    return lead.get("UF_CRM_HH_STATUS"), lead.get("UF_CRM_HH_VACANCY")


@dataclass
class Arrivals:
    """When each awaited change showed in the CRM, on the wall clock."""

    fleet: Fleet
    changed_at: dict[str, float] = field(default_factory=dict)
    """negotiation id -> wall time of the change"""
    seen_at: dict[str, float] = field(default_factory=dict)
    domain_of: dict[str, str] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    """negotiation id -> what its lead showed before the change (:func:`shown`); absent: await
    a new lead"""
    _settled: asyncio.Event = field(default_factory=asyncio.Event)

    def expect_status_change(self, nid: str, domain: str, lead: Mapping[str, Any]) -> None:
        """Await ``nid``'s lead showing another hh.ru status (or vacancy) than ``lead`` does,
        from now on."""
        self.domain_of[nid], self.before[nid] = domain, shown(lead)
        self.changed_at[nid] = WALL.monotonic()

    def expect_lead(self, nid: str, domain: str) -> None:
        """Await a lead for the new negotiation ``nid``, from now on."""
        self.domain_of[nid] = domain
        self.changed_at[nid] = WALL.monotonic()

    def forget(self, nid: str) -> None:
        """Stop awaiting ``nid`` (its change could not be made)."""
        self.changed_at.pop(nid, None)

    @property
    def pending(self) -> list[str]:
        """Changes not seen yet."""
        return [n for n in self.changed_at if n not in self.seen_at]

    async def look(self) -> None:
        """One look at the portals with changes pending."""
        for domain in sorted({self.domain_of[n] for n in self.pending}):
            leads = await self.fleet.leads(domain)
            now = WALL.monotonic()
            for nid in self.pending:
                if self.domain_of[nid] != domain or nid not in leads:
                    continue
                if nid not in self.before or shown(leads[nid]) != self.before[nid]:
                    self.seen_at[nid] = now

    async def watch(self, stop: asyncio.Event, every_s: float = 0.2) -> None:
        """Look until ``stop`` is set."""
        while not stop.is_set():
            await self.look()
            if not self.pending:
                self._settled.set()
            await asyncio.sleep(every_s)

    async def settled(self, limit_s: float) -> None:
        """Return once every change made so far was seen, or after ``limit_s`` wall seconds."""
        self._settled.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), limit_s)

    def latencies_s(self, nids: list[str] | None = None) -> list[float]:
        """Sandbox seconds from each change to the CRM showing it (``inf``: not seen)."""
        chosen = self.changed_at if nids is None else nids
        return [
            (self.seen_at[n] - self.changed_at[n]) * self.fleet.speed
            if n in self.seen_at
            else float("inf")
            for n in chosen
        ]
