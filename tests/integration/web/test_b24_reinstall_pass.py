"""Install, uninstall and reinstall through the door around real engine passes: polling stops
while the app is gone, and after the reinstall a pass creates no second lead."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hhsync.db import accounts
from hhsync.db.tables import AccountStatus, PortalStatus
from hhsync.metrics import Metrics
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from hhsync.web.app import create_app
from hhsync.web.context import WebContext
from hhsync.web.door import door_routes
from tests.integration.web.door_kit import (
    Recorder,
    asgi_client,
    door_settings,
    netloc,
    open_page,
    stored_portal,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def door_client(world: World, db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the door, trusting the world's Bitrix24 sandbox, on the world's clock."""
    settings = door_settings(db_url, [netloc(world.bitrix_url)])
    async with httpx.AsyncClient(timeout=10) as outbound:
        ctx = WebContext(settings, world.ctx.database, world.ctx.cipher, outbound, world.clock)
        app = create_app(ctx.database, Metrics(), routes=door_routes(ctx))
        async with asgi_client(app) as client:
            yield client


async def test_reinstall_after_uninstall_duplicates_nothing(
    world: World, door_client: httpx.AsyncClient, recorder: tuple[Recorder, str]
) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    leads = world.entities("lead")
    assert first.writes.created > 0
    assert len(leads) == first.writes.created
    portal_path = f"/_sandbox/portals/{world.domain}"

    installer = world.bitrix_admin("POST", f"{portal_path}/tokens", user_id=1)
    installed = await open_page(door_client, "/b24/install", installer)
    assert installed.status_code == 200, installed.text
    assert 'data-complete="1"' in installed.text
    member_id = installer["member_id"]

    recording, url = recorder
    world.bitrix_admin("POST", f"{portal_path}/uninstall", handler_url=f"{url}/hook")
    (uninstall_event,) = recording.forms()
    gone = await door_client.post("/b24/events", data=uninstall_event)
    assert gone.json() == {"result": "uninstalled"}
    stopped = await run_pass(world.ctx, world.portal_id)
    assert stopped.skipped is not None
    assert stopped.skipped.startswith("portal is uninstalled")

    again = world.bitrix_admin("POST", f"{portal_path}/reinstall", user_id=1)
    reinstalled = await open_page(door_client, "/b24/install", again)
    assert reinstalled.status_code == 200, reinstalled.text
    portal = await stored_portal(world.ctx.database, member_id)
    assert portal is not None
    assert portal.id == world.portal_id
    assert portal.status == PortalStatus.ACTIVE
    async with world.ctx.database.session() as session:
        linked = await accounts.list_accounts(session, world.portal_id, AccountStatus.ACTIVE)
    assert [a.id for a in linked] == [world.account_id]  # the hh.ru login survived

    after = await run_pass(world.ctx, world.portal_id)
    assert after.errors == []
    assert after.writes.created == 0
    assert [lead["ID"] for lead in world.entities("lead")] == [lead["ID"] for lead in leads]
