"""Fixtures for the hh.ru sandbox tests: the app on a frozen clock, clients, tokens, the spec."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]  # dev dependency without stubs
from hh_sandbox_testkit import ADMIN_ID, EXAMPLES, SPEC_PATH, UA, SpecValidator

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.runtime import HhSandbox


@pytest.fixture(scope="session")
def spec() -> SpecValidator:
    """hh.ru's OpenAPI spec, parsed once per session (about half a second with the C loader)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return SpecValidator(yaml.load(handle, Loader=loader))  # noqa: S506 - a safe loader


@pytest.fixture
def example() -> Callable[[str], Any]:
    """Load a documented example payload from ``hh_examples/`` by file name."""

    def load(name: str) -> Any:
        return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def frozen() -> FrozenClock:
    """The base clock of the sandbox: time moves only when a test moves it."""
    return FrozenClock()


@pytest.fixture
def config(frozen: FrozenClock) -> HhSandboxConfig:
    """Sandbox config on a frozen clock with the rate limit off (its own tests turn it on)."""
    return HhSandboxConfig(seed=1, base_clock=frozen, rate_limit_per_s=0)


@pytest.fixture
def app(config: HhSandboxConfig) -> Any:
    """A fresh sandbox app."""
    return create_app(config)


@pytest.fixture
def sandbox(app: Any) -> HhSandbox:
    """The sandbox's live state."""
    result: HhSandbox = app.state.sandbox
    return result


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, with a proper User-Agent."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers=UA
    ) as http:
        yield http


Tokens = Callable[[str], Any]


@pytest.fixture
def tokens(client: httpx.AsyncClient) -> Callable[[str], Any]:
    """Issue a token pair for a manager through the admin API; returns the JSON pair."""

    async def issue(manager_id: str = ADMIN_ID) -> dict[str, Any]:
        response = await client.post("/_sandbox/tokens", json={"manager_id": manager_id})
        assert response.status_code == 201, response.text
        pair: dict[str, Any] = response.json()
        return pair

    return issue


@pytest.fixture
def uvicorn_logging_restored() -> Iterator[None]:
    """``uvicorn.Config`` (inside ``hhsync.testing.server.serve``) re-configures the global
    ``uvicorn*`` loggers; put them back so that later tests of our own logging setup see a clean
    state."""
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        name: (list(lg.handlers), lg.level, lg.propagate, lg.disabled)
        for name in names
        for lg in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled
