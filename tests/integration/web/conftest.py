"""Fixtures of the door's tests: a Bitrix24 sandbox and an attacker's recording server over real
HTTP, the daemon's app (with the door) on an ASGI transport over a real PostgreSQL database."""

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
from hhsync.sandbox.bitrix import bindings
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.testing.server import serve
from hhsync.web.context import WebContext
from tests.integration.web.door_kit import (
    APP_URL,
    FieldsPerEntity,
    Recorder,
    SandboxAdmin,
    asgi_client,
    door_app,
    door_settings,
    netloc,
    with_list_toolbars,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def list_toolbars(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the sandbox accept the CRM list-toolbar placements (see ``with_list_toolbars``)."""
    monkeypatch.setattr(bindings, "PLACEMENTS", with_list_toolbars())


@pytest.fixture
def bitrix_app() -> Starlette:
    """A Bitrix24 sandbox in real time, no portals yet."""
    return create_bitrix(BitrixSandboxConfig(seed=11, demo_portals=(), app_url=APP_URL))


@pytest.fixture
def bitrix_url(bitrix_app: Starlette) -> Iterator[str]:
    """The sandbox served over real HTTP."""
    with serve(bitrix_app) as url:
        yield url


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
        """A sandbox portal with the app installed (unfinished), its user fields kept per entity
        as a real portal keeps them (see ``FieldsPerEntity``)."""
        info = await self.admin.new_portal(domain, **options)
        self.sandbox.portals[domain].userfields = FieldsPerEntity()
        return info

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
        httpx.AsyncClient(timeout=10) as outbound,
        httpx.AsyncClient(base_url=bitrix_url, timeout=10) as sandbox,
    ):
        ctx = WebContext(settings, database, cipher, outbound)
        app = door_app(ctx)
        async with asgi_client(app) as client:
            yield Door(
                client, SandboxAdmin(sandbox), ctx, app, bitrix_url, bitrix_app.state.sandbox
            )
