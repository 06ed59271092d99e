"""The app page and the passes of one daemon share each portal's Bitrix24 limiter.

Bitrix24 counts every request of a portal from one address in one leaky bucket (Bitrix24 REST
docs, limits.md: 2 requests a second drained, 50 in the bucket on ordinary plans; over it the
portal answers 503 QUERY_LIMIT_EXCEEDED). A limiter per caller (the passes, the door, the settings
tab) lets each fill the bucket on its own, so together they overflow it. Here the portal's plan is
tight (10 in the bucket) and the settings tab reads its lists while a pass imports: the sandbox's
request log must show no request refused for the rate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import RunStatus
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.service.runner import daemon_web_context
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.server import serve_all
from hhsync.testing.world import World, open_world, small_employer
from hhsync.web.app_api.settings_tab.portal_client import door_of, settings_client
from hhsync.web.bitrix_door.context import DoorContext
from tests.integration.web.door_kit import asgi_client, door_app, door_settings, netloc
from tests.integration.web.inbox_journal_kit import ADMIN, AppWorld

pytestmark = pytest.mark.postgres

PLAN_BURST = 10
PLAN_DRAIN_PER_S = 2.0


@pytest.fixture
def real_time_sandboxes() -> Iterator[tuple[str, str]]:
    """Both sandboxes with the Bitrix24 one in real time, so its bucket drains as a portal's."""
    hh_app = create_hh(small_employer())
    bitrix_app = create_bitrix(BitrixSandboxConfig(seed=7, demo_portals=()))
    with serve_all(hh_app, bitrix_app) as (hh_url, bitrix_url):
        yield hh_url, bitrix_url


@pytest.fixture
async def world(
    real_time_sandboxes: tuple[str, str], database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[World]:
    """The portal on those sandboxes, its bucket as tight as a small plan's."""
    async with open_world(real_time_sandboxes, database, cipher, db_url) as the_world:
        the_world.bitrix_admin(
            "POST",
            f"/_sandbox/portals/{the_world.domain}/plan",
            drain_per_s=PLAN_DRAIN_PER_S,
            burst=PLAN_BURST,
        )
        yield the_world


@pytest.fixture
async def daemon(world: World, db_url: str) -> AsyncIterator[tuple[SyncContext, AppWorld]]:
    """The daemon's sync context and its app built as the runner builds them, limits matching
    the portal's plan."""
    settings = door_settings(
        db_url,
        [netloc(world.bitrix_url)],
        HHSYNC_HH__API_URL=world.hh_url,
        HHSYNC_HH__USER_AGENT_CONTACT="tests@hhsync.invalid",
        HHSYNC_HH__REQUESTS_PER_S="100",
        HHSYNC_BITRIX__REQUESTS_PER_S=str(PLAN_DRAIN_PER_S),
        HHSYNC_BITRIX__BURST=str(PLAN_BURST),
    )
    ctx = SyncContext.create(
        settings, world.ctx.database, world.ctx.cipher, clock=world.clock, instance_id="daemon"
    )
    try:
        async with httpx.AsyncClient(timeout=30) as outbound:
            web = daemon_web_context(ctx, outbound)
            async with asgi_client(door_app(web)) as client:
                yield ctx, AppWorld(world, web, client)
    finally:
        await ctx.aclose()


async def test_every_web_door_uses_the_passes_limiter_registry(
    daemon: tuple[SyncContext, AppWorld],
) -> None:
    ctx, app = daemon
    portal = await app.portal()
    assert app.ctx.limiters is ctx.limiters
    assert DoorContext(app.ctx).limiters is ctx.limiters  # the door's routes
    assert door_of(app.ctx).limiters is ctx.limiters  # the settings tab's routes
    tab_client = settings_client(door_of(app.ctx), portal)
    assert tab_client.rest.limiter is ctx.bitrix_client(portal).rest.limiter


async def test_the_tab_and_a_pass_together_stay_within_the_portals_bucket(
    daemon: tuple[SyncContext, AppWorld],
) -> None:
    ctx, app = daemon
    world = app.world
    page = await app.open(ADMIN)
    portal = await app.portal()
    limiter = ctx.limiters.for_portal(portal.member_id)
    log_path = f"/_sandbox/portals/{world.domain}/requests"
    logged_before = len(world.bitrix_admin("GET", log_path))
    sent_before = limiter.requests_sent

    report, *answers = await asyncio.gather(
        run_pass(ctx, world.portal_id), page.get("/settings"), page.get("/settings")
    )

    log = world.bitrix_admin("GET", log_path)[logged_before:]
    refused = [entry for entry in log if entry["error"] == "QUERY_LIMIT_EXCEEDED"]
    assert refused == []
    methods = {entry["method"] for entry in log}
    assert {"batch", "user.get"} <= methods, methods  # both the pass and the tab were heard
    assert report.status == RunStatus.OK, report.errors
    assert report.writes.created == world.hh_negotiations()
    assert [answer.status_code for answer in answers] == [200, 200]
    # Every request the portal heard went through the one limiter.
    assert limiter.requests_sent - sent_before == len(log)
