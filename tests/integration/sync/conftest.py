"""A portal linked to an hh.ru employer, both sandboxes served over real HTTP, real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hhsync.clock import ShiftedClock
from hhsync.config import Settings, load_settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox_portal import install_sandbox_portal
from hhsync.sync.context import SyncContext
from hhsync.testing import serve


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
        response = self.hh.request(method, path, json=body or None)
        assert response.status_code < 300, response.text
        return response.json()

    def bitrix_admin(self, method: str, path: str, **body: Any) -> Any:
        response = self.bitrix.request(method, path, json=body or None)
        assert response.status_code < 300, response.text
        return response.json()

    def entities(self, kind: str = "lead") -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.bitrix_admin(
            "GET", f"/_sandbox/portals/{self.domain}/entities/{kind}"
        )
        return result

    def hh_negotiations(self) -> int:
        state = self.hh_admin("GET", "/_sandbox/state")
        return sum(
            v["negotiations"]
            for v in state["vacancies"]
            if v["employer_id"] == self.employer_id and not v["archived"]
        )


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    """A small employer; modules that need another world override this fixture."""
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


@pytest.fixture
def sandboxes(hh_sandbox_config: HhSandboxConfig) -> Iterator[tuple[str, str]]:
    hh_app = create_hh(hh_sandbox_config)
    bitrix_app = create_bitrix(BitrixSandboxConfig(seed=7, speed=50.0, demo_portals=()))
    with serve(hh_app) as hh_url, serve(bitrix_app) as bitrix_url:
        yield hh_url, bitrix_url


def engine_settings(hh_url: str, db_url: str) -> Settings:
    return load_settings(
        environ={
            "HHSYNC_DATABASE__URL": db_url,
            "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
            "HHSYNC_HH__API_URL": hh_url,
            "HHSYNC_HH__USER_AGENT_CONTACT": "tests@hhsync.invalid",
            "HHSYNC_BITRIX__CLIENT_ID": "hhsync-demo-b24",
            "HHSYNC_BITRIX__CLIENT_SECRET": "hhsync-demo-b24-secret",
            "HHSYNC_BITRIX__REQUESTS_PER_S": "100",
            "HHSYNC_HH__REQUESTS_PER_S": "100",
        }
    )


@pytest.fixture
async def world(
    sandboxes: tuple[str, str], database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[World]:
    hh_url, bitrix_url = sandboxes
    async with httpx.AsyncClient(headers={"User-Agent": "hhsync-tests"}, timeout=30) as http:
        installed = await install_sandbox_portal(
            http,
            hh_url,
            bitrix_url,
            database,
            cipher,
            domain="hr.bitrix24.ru",
            responsible_user_id=1,
        )
    hh = httpx.Client(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.Client(base_url=bitrix_url, timeout=30)
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
        hh.close()
        bitrix.close()
