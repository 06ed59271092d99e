"""Fixtures for the Bitrix24 sandbox tests: a frozen-clock sandbox driven through ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from b24_sandbox_testkit import PortalHandle
from starlette.applications import Starlette

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.sandbox.bitrix.rest import BitrixSandbox


@pytest.fixture
def clock() -> FrozenClock:
    """Sandbox time under test control: it moves only when a test advances it."""
    return FrozenClock()


@pytest.fixture
def config(clock: FrozenClock) -> BitrixSandboxConfig:
    """Default limits on a frozen clock, no pre-created portals."""
    return BitrixSandboxConfig(seed=7, base_clock=clock, demo_portals=())


@pytest.fixture
def app(config: BitrixSandboxConfig) -> Starlette:
    """The sandbox app."""
    return create_app(config)


@pytest.fixture
def sandbox(app: Starlette) -> BitrixSandbox:
    """The sandbox state behind the app."""
    state: BitrixSandbox = app.state.sandbox
    return state


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://b24.sandbox") as http:
        yield http


@pytest.fixture
async def portal(
    client: httpx.AsyncClient, sandbox: BitrixSandbox, clock: FrozenClock
) -> PortalHandle:
    """A portal with the app installed, created in one admin call (admin user's tokens)."""
    response = await client.post("/_sandbox/portals", json={"domain": "hr.bitrix24.ru"})
    assert response.status_code == 200, response.text
    return PortalHandle(client, sandbox, clock, response.json())
