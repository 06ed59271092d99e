"""Fixtures of the hh.ru login tests (the helpers are in ``login_kit``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.testing.server import serve
from hhsync.web.hh_login import hh_login_routes
from tests.integration.web.login_kit import (
    CALLBACK,
    PUBLIC_URL,
    UA,
    LoginWorld,
    login_settings,
    make_context,
)


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
        httpx.AsyncClient(headers=UA, timeout=30) as http,
        httpx.AsyncClient(base_url=hh_url, headers=UA, timeout=30) as hh,
    ):
        ctx, clock = make_context(login_settings(hh_url, db_url), database, cipher, http)
        app = Starlette(routes=hh_login_routes(ctx))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield LoginWorld(ctx, client, hh, hh_url, clock)
