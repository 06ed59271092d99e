"""Helpers of the daemon tests: portals wired like the engine tests' ``world``, several at once."""

from __future__ import annotations

from datetime import timedelta

import httpx

from hhsync.clock import SystemClock
from hhsync.config import Settings
from hhsync.db import accounts, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tokens import TokenPair
from tests.integration.sync.conftest import engine_settings


async def add_portal(
    database: Database,
    cipher: TokenCipher,
    hh: httpx.AsyncClient,
    bitrix: httpx.AsyncClient,
    domain: str,
) -> int:
    """A portal with the app installed, the hh.ru admin manager linked and settings saved."""
    world = (await hh.get("/_sandbox/state")).json()
    employer = world["employers"][0]
    admin = next(m for m in employer["managers"] if m["is_admin"])
    tokens = (await hh.post("/_sandbox/tokens", json={"manager_id": admin["id"]})).json()
    install = (await bitrix.post("/_sandbox/portals", json={"domain": domain})).json()
    now = SystemClock().now()
    async with database.session() as session:
        portal = await portals.install_portal(
            session,
            cipher,
            portals.PortalInstall(
                member_id=install["member_id"],
                domain=install["domain"],
                client_endpoint=install["client_endpoint"],
                server_endpoint=install["server_endpoint"],
                access_token=install["access_token"],
                refresh_token=install["refresh_token"],
                access_expires_at=now + timedelta(seconds=install["expires_in"]),
                application_token=install["application_token"],
            ),
            now,
        )
        assert portal.id is not None
        await accounts.link_account(
            session,
            cipher,
            portal.id,
            accounts.AccountLink(
                employer["id"],
                admin["id"],
                employer["name"],
                admin["name"],
                True,
                TokenPair(
                    tokens["access_token"],
                    tokens["refresh_token"],
                    now + timedelta(seconds=tokens["expires_in"]),
                ),
            ),
            now,
        )
        await portals.save_settings(
            session,
            portal.id,
            {"entity_type": "lead", "stage_map": {"response": "NEW", "invitation": "IN_PROCESS"}},
            now,
        )
        return portal.id


def runner_settings(hh_url: str, db_url: str) -> Settings:
    base = engine_settings(hh_url, db_url)
    return base.model_copy(
        update={
            "sync": base.sync.model_copy(
                update={"poll_interval_s": 1.0, "lease_ttl_s": 6.0, "max_concurrent_passes": 2}
            ),
            "database": base.database.model_copy(update={"pool_size": 5}),
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
