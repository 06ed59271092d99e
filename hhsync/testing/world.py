"""The engine's world: both sandboxes over real HTTP, one portal linked to an hh.ru employer in a
real database, and a sync context on a clock the caller may move."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from hhsync.bitrix.batch_time import MethodTimes
from hhsync.clock import ShiftedClock
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.model import deadlines
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sync.apply.creates import CREATES_PER_BATCH, create_methods
from hhsync.sync.context import SyncContext
from hhsync.testing.portal import install_sandbox_portal
from hhsync.testing.server import client_tls, serve_all
from hhsync.testing.settings import engine_settings

DOMAIN = "hr.bitrix24.ru"
"""The world's portal."""

FIRST_CREATE_BATCH = MethodTimes().fitting(
    [create_methods("lead", with_contact=False)] * CREATES_PER_BATCH
)
"""Leads in the first create batch to a portal not heard from yet (sized by the cautious prior
of :mod:`hhsync.bitrix.batch_time`)."""


@dataclass
class World:
    """The two sandboxes, the portal and the account the engine syncs."""

    hh_url: str
    bitrix_url: str
    hh: httpx.Client
    bitrix: httpx.Client
    domain: str
    portal_id: int
    account_id: int
    employer_id: str
    ctx: SyncContext
    clock: ShiftedClock

    def hh_admin(self, method: str, path: str, **body: Any) -> Any:
        """A call to the hh.ru sandbox's control API; a refusal fails with its body."""
        return _accepted(self.hh.request(method, path, json=body or None))

    def bitrix_admin(self, method: str, path: str, **body: Any) -> Any:
        """A call to the Bitrix24 sandbox's control API; a refusal fails with its body."""
        return _accepted(self.bitrix.request(method, path, json=body or None))

    def entities(self, kind: str = "lead") -> list[dict[str, Any]]:
        """The portal's CRM items of ``kind`` as the sandbox stores them."""
        result: list[dict[str, Any]] = self.bitrix_admin(
            "GET", f"/_sandbox/portals/{self.domain}/entities/{kind}"
        )
        return result

    def wait_out_in_flight(self, ctx: SyncContext | None = None) -> None:
        """Move the clock past the in-flight hold (:mod:`hhsync.model.deadlines`): a batch whose
        answer was lost can no longer be running at the portal, so the next pass may look it up."""
        bitrix = (ctx or self.ctx).settings.bitrix
        hold_s = deadlines.in_flight_hold_s(bitrix.request_timeout_s, bitrix.request_cutoff_s)
        self.clock.advance(hold_s + 1)

    def hh_negotiations(self) -> int:
        """Negotiations on the employer's open vacancies: what a full import brings over."""
        state = self.hh_admin("GET", "/_sandbox/state")
        return sum(
            v["negotiations"]
            for v in state["vacancies"]
            if v["employer_id"] == self.employer_id and not v["archived"]
        )


def _accepted(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise AssertionError(response.text)
    return response.json()


def small_employer() -> HhSandboxConfig:
    """A small employer: two managers, three open vacancies and one archived, no rate limit.

    Its resume PDFs are bare pages and hh.ru answers at once (the sandbox's defaults), unlike the
    demo's and the benchmarks' realistic ones: every test opens resumes, and a few hundred KB of
    PDF and tens of ms a request would only slow the suite. The tests about heavy PDFs and
    round trips set them (``/_sandbox/limits``: ``tests/integration/sync/test_pdf_batches.py``,
    ``test_hh_round_trips.py``).
    """
    return HhSandboxConfig(
        seed=7,
        employers=1,
        managers_per_employer=2,
        vacancies_per_employer=3,
        archived_vacancies_per_employer=1,
        applicants=40,
        negotiations_per_vacancy=8,
        rate_limit_per_s=0,
    )


@contextmanager
def serve_sandboxes(hh_config: HhSandboxConfig) -> Iterator[tuple[str, str]]:
    """Both sandboxes on free ports; yields their base URLs (hh.ru, Bitrix24)."""
    hh_app = create_hh(hh_config)
    bitrix_app = create_bitrix(
        BitrixSandboxConfig(seed=7, speed=50.0, demo_portals=(), real_latency=True)
    )
    with serve_all(hh_app, bitrix_app) as (hh_url, bitrix_url):
        yield hh_url, bitrix_url


@asynccontextmanager
async def open_world(
    sandboxes: tuple[str, str],
    database: Database,
    cipher: TokenCipher,
    db_url: str,
    *,
    domain: str = DOMAIN,
) -> AsyncIterator[World]:
    """Install the portal on the running ``sandboxes``; closes the clients and context on exit.

    ``domain`` may be ``localhost:<the Bitrix24 sandbox's port>`` for a portal a browser opens.
    """
    hh_url, bitrix_url = sandboxes
    async with httpx.AsyncClient(
        headers={"User-Agent": "hhsync-tests"}, timeout=30, verify=client_tls()
    ) as http:
        installed = await install_sandbox_portal(
            http,
            hh_url,
            bitrix_url,
            database,
            cipher,
            domain=domain,
            responsible_user_id=1,
        )
    hh = httpx.Client(
        base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30, verify=client_tls()
    )
    bitrix = httpx.Client(base_url=bitrix_url, timeout=30, verify=client_tls())
    settings = engine_settings(hh_url, db_url)
    clock = ShiftedClock()
    ctx = SyncContext.create(settings, database, cipher, clock=clock, instance_id="test")
    try:
        yield World(
            hh_url,
            bitrix_url,
            hh,
            bitrix,
            installed.domain,
            installed.portal_id,
            installed.account_id,
            installed.employer_id,
            ctx,
            clock,
        )
    finally:
        await ctx.aclose()
        hh.close()  # noqa: ASYNC212 - drops idle connections to a local sandbox, sends nothing
        bitrix.close()  # noqa: ASYNC212 - as above


async def expected_leads(hh: httpx.AsyncClient) -> int:
    """Negotiations on the first employer's open vacancies, asked of the hh.ru sandbox at ``hh``."""
    world = (await hh.get("/_sandbox/state")).json()
    employer_id = world["employers"][0]["id"]
    return sum(
        v["negotiations"]
        for v in world["vacancies"]
        if v["employer_id"] == employer_id and not v["archived"]
    )
