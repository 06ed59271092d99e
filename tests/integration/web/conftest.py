"""Fixtures of the web tests: the hh.ru login's world (helpers in ``login_kit``) and the door's
(a Bitrix24 sandbox and an attacker's recording server over real HTTP, the daemon's app with the
door on an ASGI transport over a real PostgreSQL database; helpers in ``door_kit``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hhsync.config import Settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.testing.server import client_tls, serve
from hhsync.web.context import WebContext
from hhsync.web.hh_login import hh_login_routes
from tests.integration.web.door_kit import (
    APP_URL,
    Recorder,
    SandboxAdmin,
    asgi_client,
    door_app,
    door_settings,
    netloc,
)
from tests.integration.web.login_kit import (
    CALLBACK,
    PUBLIC_URL,
    UA,
    LoginWorld,
    login_settings,
    make_context,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def bitrix_app() -> Starlette:
    """A Bitrix24 sandbox in real time, no portals yet."""
    return create_bitrix(BitrixSandboxConfig(seed=11, demo_portals=(), app_url=APP_URL))


@pytest.fixture
def bitrix_url(bitrix_app: Starlette) -> Iterator[str]:
    """The sandbox served over real HTTP."""
    with serve(bitrix_app) as url:
        yield url


@pytest.fixture(scope="module")
def hh_url() -> Iterator[str]:
    """The hh.ru sandbox (two companies of two managers), its app registered at our callback."""
    config = HhSandboxConfig(
        seed=7,
        employers=2,
        managers_per_employer=2,
        vacancies_per_employer=2,
        archived_vacancies_per_employer=0,
        applicants=10,
        negotiations_per_vacancy=2,
        rate_limit_per_s=0,
        registered_redirect_uri=CALLBACK,
    )
    with serve(create_app(config)) as url:
        yield url


@pytest.fixture
async def login_world(
    hh_url: str, database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[LoginWorld]:
    """The login routes mounted alone, at the app's public URL."""
    async with (
        httpx.AsyncClient(headers=UA, timeout=30, verify=client_tls()) as http,
        httpx.AsyncClient(base_url=hh_url, headers=UA, timeout=30, verify=client_tls()) as hh,
    ):
        ctx, clock = make_context(login_settings(hh_url, db_url), database, cipher, http)
        app = Starlette(routes=hh_login_routes(ctx))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield LoginWorld(ctx, client, hh, hh_url, clock)


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    """The attacker's host: a server that records whatever reaches it."""
    recording = Recorder()
    with serve(recording.app()) as url:
        yield recording, url


@dataclass
class Door:
    """The app under test and what it talks to."""

    client: httpx.AsyncClient
    admin: SandboxAdmin
    ctx: WebContext
    app: Starlette
    bitrix_url: str
    sandbox: BitrixSandbox

    async def new_portal(self, domain: str, **options: Any) -> dict[str, Any]:
        """A sandbox portal with the app installed (unfinished)."""
        return await self.admin.new_portal(domain, **options)

    @property
    def settings(self) -> Settings:
        """The daemon's settings."""
        return self.ctx.settings

    @property
    def database(self) -> Database:
        """The test's database."""
        return self.ctx.database


@pytest.fixture
async def door(
    bitrix_app: Starlette, bitrix_url: str, database: Database, db_url: str, cipher: TokenCipher
) -> AsyncIterator[Door]:
    """The daemon's app with the door, trusting only the sandbox's OAuth server."""
    settings = door_settings(db_url, [netloc(bitrix_url)])
    async with (
        httpx.AsyncClient(timeout=10, verify=client_tls()) as outbound,
        httpx.AsyncClient(base_url=bitrix_url, timeout=10, verify=client_tls()) as sandbox,
    ):
        ctx = WebContext(settings, database, cipher, outbound)
        app = door_app(ctx)
        async with asgi_client(app) as client:
            yield Door(
                client, SandboxAdmin(sandbox), ctx, app, bitrix_url, bitrix_app.state.sandbox
            )
