"""Helpers of the daemon tests: portals wired like the engine tests' ``world``, several at once."""

from __future__ import annotations

import httpx

from hhsync.config import Settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox_portal import install_sandbox_portal
from tests.integration.sync.conftest import engine_settings


async def add_portal(
    database: Database,
    cipher: TokenCipher,
    hh: httpx.AsyncClient,
    bitrix: httpx.AsyncClient,
    domain: str,
) -> int:
    """A portal with the app installed, the hh.ru admin manager linked and settings saved."""
    installed = await install_sandbox_portal(
        hh, hh.base_url, bitrix.base_url, database, cipher, domain=domain
    )
    return installed.portal_id


def runner_settings(hh_url: str, db_url: str) -> Settings:
    base = engine_settings(hh_url, db_url)
    return base.model_copy(
        update={
            "sync": base.sync.model_copy(
                update={"poll_interval_s": 1.0, "lease_ttl_s": 6.0, "max_concurrent_passes": 2}
            ),
            "database": base.database.model_copy(update={"pool_size": 8}),
            # A 6 s lease covers Bitrix24 requests of at most 2 s (hhsync.deadlines).
            "bitrix": base.bitrix.model_copy(
                update={"request_timeout_s": 2.0, "request_cutoff_s": 3.0}
            ),
        }
    )


async def expected_leads(hh: httpx.AsyncClient) -> int:
    world = (await hh.get("/_sandbox/state")).json()
    employer_id = world["employers"][0]["id"]
    return sum(
        v["negotiations"]
        for v in world["vacancies"]
        if v["employer_id"] == employer_id and not v["archived"]
    )
